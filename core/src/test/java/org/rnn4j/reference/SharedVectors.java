package org.rnn4j.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.TensorInfo;

/**
 * Locates the shared test vectors ({@code shared/conformance/...}) and compares arrays with a
 * tolerance. The directory comes from the system property {@code rnn4j.shared.dir} (the build sets it
 * to the {@code shared} folder beside the repository); without it, {@code ../shared} and
 * {@code ../../shared} relative to the working directory (repository root or a module).
 */
public final class SharedVectors {

    public static final String PROPERTY = "rnn4j.shared.dir";

    private SharedVectors() {}

    /** The shared directory, if one of the candidate locations exists. */
    public static Optional<Path> dir() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            candidates.add(Paths.get(prop));
        } else {
            candidates.add(Paths.get("..", "shared"));
            candidates.add(Paths.get("..", "..", "shared"));
        }
        for (Path p : candidates) {
            if (Files.isDirectory(p)) {
                return Optional.of(p.toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    /**
     * {@code <shared>/<relative>}, or a skipped test (JUnit assumption) with a reason when the shared
     * directory or that folder is absent.
     */
    public static Path requireFolder(String relative) {
        Optional<Path> d = dir();
        Assumptions.assumeTrue(d.isPresent(), "shared test vectors not found (set -D" + PROPERTY
                + "=<dir>, or place them in ../shared beside the repository); skipping " + relative);
        Path folder = d.get().resolve(relative);
        Assumptions.assumeTrue(Files.isDirectory(folder), "no folder " + folder + "; skipping");
        return folder;
    }

    /**
     * One dynamic test per case folder under {@code <shared>/<relative>} (those holding
     * {@code requiredFile}, when given). Where the folder is absent, a single test that is skipped with
     * the reason, so that reports show the skip instead of silently running nothing.
     */
    public static List<org.junit.jupiter.api.DynamicTest> perCase(String relative, String requiredFile,
            org.junit.jupiter.api.function.ThrowingConsumer<Path> check) {
        Optional<Path> d = dir();
        String reason = d.isEmpty()
                ? "shared test vectors not found (set -D" + PROPERTY + "=<dir>, or place them in ../shared beside the"
                        + " repository); skipping " + relative
                : null;
        Path folder = d.map(p -> p.resolve(relative)).orElse(null);
        if (folder != null && !Files.isDirectory(folder)) {
            reason = "no folder " + folder + "; skipping";
        }
        if (reason != null) {
            String why = reason;
            return List.of(org.junit.jupiter.api.DynamicTest.dynamicTest("skipped: " + why,
                    () -> Assumptions.abort(why)));
        }
        List<org.junit.jupiter.api.DynamicTest> tests = new ArrayList<>();
        for (Path c : subfolders(folder)) {
            if (requiredFile == null || Files.isRegularFile(c.resolve(requiredFile))) {
                tests.add(org.junit.jupiter.api.DynamicTest.dynamicTest(c.getFileName().toString(),
                        () -> check.accept(c)));
            }
        }
        if (tests.isEmpty()) {
            throw new AssertionError("no cases under " + folder);
        }
        return tests;
    }

    /** The sub-folders of {@code folder}, sorted by name. */
    public static List<Path> subfolders(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts |actual - expected| &le; atol + rtol·|expected| elementwise and no NaN; the message names
     * the worst element.
     */
    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int worst = -1;
        double worstRatio = 0.0;
        double worstErr = 0.0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (Double.isNaN(a) || Double.isNaN(e)) {
                throw new AssertionError(what + "[" + i + "]: NaN (actual " + a + ", expected " + e + ")");
            }
            double err = Math.abs(a - e);
            double ratio = err / (atol + rtol * Math.abs(e));
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worstErr = err;
                worst = i;
            }
        }
        if (worstRatio > 1.0) {
            throw new AssertionError(String.format("%s: element %d is %.9g, expected %.9g (|err| %.3g > tol %.3g)",
                    what, worst, actual[worst], expected[worst], worstErr, atol + rtol * Math.abs(expected[worst])));
        }
    }

    /** max |a - b|. */
    public static double maxAbsDiff(double[] a, double[] b) {
        double m = 0.0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** One tensor read from a safetensors file: float tensors in {@code values}, integer ones in {@code ints}. */
    public record Tensor(long[] shape, double[] values, long[] ints) {
        public int dim(int i) {
            return Math.toIntExact(shape[i]);
        }

        public int rank() {
            return shape.length;
        }

        public String shapeString() {
            return java.util.Arrays.toString(shape);
        }
    }

    /** All tensors (in file order) and the metadata of a safetensors file. */
    public record Loaded(Map<String, String> metadata, Map<String, Tensor> tensors) {
        public Tensor get(String name) {
            return tensors.get(name);
        }

        public Tensor require(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'; present: " + tensors.keySet());
            }
            return t;
        }
    }

    /** Reads a whole safetensors file with {@link SafetensorsReader}. */
    public static Loaded load(Path file) {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (TensorInfo info : r.tensors()) {
                boolean floating = switch (info.dtype()) {
                    case F64, F32, F16, BF16 -> true;
                    default -> false;
                };
                if (floating) {
                    out.put(info.name(), new Tensor(info.shape(), toDouble(r.readFloats(info.name())), null));
                } else {
                    out.put(info.name(), new Tensor(info.shape(), null, r.readLongs(info.name())));
                }
            }
            Map<String, String> meta = r.metadata() == null ? Map.of() : Map.copyOf(r.metadata());
            return new Loaded(meta, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
