package org.rnn4j.text;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The characters (Unicode code points, so any script works) a character-level model knows, in a
 * fixed order: id i is the i-th code point of {@link #toString()}. Stored in model files as the
 * metadata value {@code rnn4j.vocab}.
 */
public final class Vocabulary {
  public static final String METADATA_KEY = "rnn4j.vocab";

  private final int[] codePoints;
  private final Map<Integer, Integer> ids = new HashMap<>();

  private Vocabulary(int[] codePoints) {
    if (codePoints.length == 0) {
      throw new IllegalArgumentException("a vocabulary needs at least one character");
    }
    this.codePoints = codePoints;
    for (int i = 0; i < codePoints.length; i++) {
      if (ids.put(codePoints[i], i) != null) {
        throw new IllegalArgumentException("character U+" + Integer.toHexString(codePoints[i]).toUpperCase()
            + " appears twice in the vocabulary");
      }
    }
  }

  /** Every distinct code point of {@code text}, in code point order. */
  public static Vocabulary of(String text) {
    TreeSet<Integer> set = new TreeSet<>();
    text.codePoints().forEach(set::add);
    return new Vocabulary(set.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Parses what {@link #toString()} wrote. */
  public static Vocabulary parse(String chars) {
    return new Vocabulary(chars.codePoints().toArray());
  }

  public int size() {
    return codePoints.length;
  }

  public boolean contains(int codePoint) {
    return ids.containsKey(codePoint);
  }

  public int id(int codePoint) {
    Integer id = ids.get(codePoint);
    if (id == null) {
      throw new IllegalArgumentException("character '" + new String(Character.toChars(codePoint))
          + "' (U+" + Integer.toHexString(codePoint).toUpperCase() + ") is not in the model's vocabulary");
    }
    return id;
  }

  public int codePoint(int id) {
    return codePoints[id];
  }

  /** The ids of the text's code points. */
  public int[] encode(String text) {
    return text.codePoints().map(this::id).toArray();
  }

  public String decode(int[] ids) {
    StringBuilder s = new StringBuilder();
    for (int id : ids) {
      s.appendCodePoint(codePoints[id]);
    }
    return s.toString();
  }

  /** The characters in id order (the metadata form). */
  @Override
  public String toString() {
    return new String(codePoints, 0, codePoints.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Vocabulary v && Arrays.equals(v.codePoints, codePoints);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(codePoints);
  }
}
