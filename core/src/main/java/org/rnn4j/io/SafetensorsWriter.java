package org.rnn4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Writes safetensors files atomically. */
public final class SafetensorsWriter {

  /** Heap buffers are written in slices so the JDK never allocates a temporary direct buffer of the full tensor. */
  private static final int WRITE_CHUNK = 1 << 20;

  private static final int TEMP_NAME_ATTEMPTS = 10;

  private SafetensorsWriter() {
  }

  private record Entry(String name, TensorData data) {
  }

  /**
   * Writes {@code tensors} (in map iteration order) and {@code metadata} to {@code path}.
   *
   * <p>The file is first written to a temporary file in the same directory, forced to disk, and then
   * atomically renamed over {@code path} (a plain replace where the file system cannot rename
   * atomically), so a crash or error mid-save never destroys the previous file. The header is padded
   * with spaces so the data section starts 8-byte aligned; tensor data follows contiguously, as in
   * files written by the reference implementation.
   *
   * @param metadata string-to-string pairs for {@code __metadata__}; null or empty writes none
   * @throws IllegalArgumentException if a name is {@code __metadata__}, a name or metadata string
   *     contains an unpaired surrogate (not representable in UTF-8), or the header would exceed the
   *     size a reader accepts; nothing is written then
   * @throws IOException if writing fails; the previous file at {@code path}, if any, is untouched
   */
  public static void write(Path path, Map<String, TensorData> tensors, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(tensors, "tensors");
    // Snapshot once so the header and the data describe the same tensors even if the maps change.
    List<Entry> entries = snapshot(tensors);
    Map<String, String> meta = snapshotMetadata(metadata);
    byte[] header = header(entries, meta);

    Path target = path.toAbsolutePath();
    Path dir = target.getParent();
    if (dir == null || target.getFileName() == null) {
      throw new IllegalArgumentException("not a file path: " + path);
    }
    Path temp = null;
    try {
      FileChannel opened = null;
      for (int attempt = 1; opened == null; attempt++) {
        temp = dir.resolve(tempName(target.getFileName().toString()));
        try {
          // CREATE_NEW (O_EXCL) also refuses to follow a planted symlink.
          opened = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          temp = null; // someone else's file: not ours to delete
          if (attempt == TEMP_NAME_ATTEMPTS) {
            throw e;
          }
        }
      }
      try (FileChannel channel = opened) {
        ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(0, header.length);
        writeFully(channel, prefix);
        writeFully(channel, ByteBuffer.wrap(header));
        for (Entry e : entries) {
          writeFully(channel, e.data().bytes());
        }
        // Data must be durable before the rename makes it visible under the real name.
        channel.force(true);
      }
      copyPermissions(target, temp);
      replace(temp, target);
    } catch (Throwable t) {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          t.addSuppressed(e);
        }
      }
      throw t;
    }
    syncDirectory(dir);
  }

  private static List<Entry> snapshot(Map<String, TensorData> tensors) {
    List<Entry> entries = new ArrayList<>(tensors.size());
    Set<String> seen = new HashSet<>();
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "tensor name");
      TensorData data = Objects.requireNonNull(e.getValue(), () -> "data of tensor " + Messages.quote(name));
      if (name.equals(SafetensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException(SafetensorsHeader.METADATA_KEY + " is reserved, not a tensor name");
      }
      if (!seen.add(name)) { // possible with identity-based maps
        throw new IllegalArgumentException("duplicate tensor name " + Messages.quote(name));
      }
      entries.add(new Entry(name, data));
    }
    return entries;
  }

  private static Map<String, String> snapshotMetadata(Map<String, String> metadata) {
    Map<String, String> copy = new LinkedHashMap<>();
    if (metadata != null) {
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        String key = Objects.requireNonNull(e.getKey(), "metadata key");
        String value = Objects.requireNonNull(e.getValue(), () -> "metadata value of " + Messages.quote(key));
        if (copy.put(key, value) != null) {
          throw new IllegalArgumentException("duplicate metadata key " + Messages.quote(key));
        }
      }
    }
    return copy;
  }

  /** The header JSON, padded with spaces to a multiple of 8 bytes. */
  private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
    StringBuilder sb = new StringBuilder(64 + 96 * entries.size()).append('{');
    if (!metadata.isEmpty()) {
      appendString(sb, SafetensorsHeader.METADATA_KEY);
      sb.append(":{");
      boolean first = true;
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        appendString(sb, e.getKey());
        sb.append(':');
        appendString(sb, e.getValue());
      }
      sb.append('}');
    }
    long offset = 0;
    for (Entry e : entries) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      long end = Math.addExact(offset, e.data().bytes().remaining());
      appendString(sb, e.name());
      sb.append(":{\"dtype\":\"").append(e.data().dtype().name()).append("\",\"shape\":[");
      long[] shape = e.data().shape();
      for (int i = 0; i < shape.length; i++) {
        sb.append(i == 0 ? "" : ",").append(shape[i]);
      }
      sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    sb.append('}');

    byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
    if (json.length > SafetensorsHeader.MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("header of " + json.length + " bytes exceeds the "
          + SafetensorsHeader.MAX_HEADER_BYTES + "-byte limit readers enforce");
    }
    // Padding makes 8 + header length a multiple of 8, so the data section is 8-byte aligned.
    byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    return padded;
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            // UTF-8 cannot encode it; String.getBytes would silently write '?' instead.
            throw new IllegalArgumentException("unpaired surrogate at index " + i + " of "
                + Messages.quote(s));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void writeFully(FileChannel channel, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      if (src.isDirect()) {
        channel.write(src);
      } else {
        ByteBuffer chunk = src.slice(src.position(), Math.min(src.remaining(), WRITE_CHUNK));
        src.position(src.position() + channel.write(chunk));
      }
    }
  }

  private static String tempName(String fileName) {
    // Bounded so the temp name stays within common 255-byte file name limits.
    String base = fileName.length() > 64 ? fileName.substring(0, 64) : fileName;
    return "." + base + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp";
  }

  /** Replacing a file should not silently change who may read it. */
  private static void copyPermissions(Path from, Path to) throws IOException {
    if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)
        && from.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS));
    }
  }

  private static void replace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Makes the rename itself durable. Best effort: some platforms (Windows) cannot open a directory,
   * and by now the new file is complete and in place either way.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // ignored: see above
    }
  }
}
