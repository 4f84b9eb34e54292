package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.rnn4j.io.RawSafetensors.assertListing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
  @TempDir
  Path dir;

  private Path target() {
    return dir.resolve("model.safetensors");
  }

  private static Map<String, TensorData> one(String name, float... values) {
    return Map.of(name, TensorData.ofFloats(values, values.length));
  }

  @Test
  void overwritingAnExistingFileReplacesItAndLeavesNoTempFiles() throws IOException {
    SafetensorsWriter.write(target(), one("old", 1, 2, 3), Map.of("v", "1"));
    SafetensorsWriter.write(target(), one("new", 4), Map.of("v", "2"));
    assertListing(dir, "model.safetensors");
    try (SafetensorsReader r = SafetensorsReader.open(target())) {
      assertEquals(Map.of("v", "2"), r.metadata());
      assertArrayEquals(new float[] {4}, r.readFloats("new"));
      assertFalse(r.contains("old"));
    }
  }

  @Test
  void relativePathIsResolvedAgainstTheWorkingDirectory() throws IOException {
    Path relative = Path.of("").toAbsolutePath().relativize(target());
    SafetensorsWriter.write(relative, one("w", 1), Map.of());
    assertListing(dir, "model.safetensors");
  }

  /**
   * Writing from a mapping whose file was truncated after mapping fails inside write(2) with EFAULT,
   * a deterministic I/O error after the header and the first tensor are already written.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void failureWhileWritingDataKeepsThePreviousFileAndRemovesTheTempFile() throws IOException {
    SafetensorsWriter.write(target(), one("old", 1, 2), Map.of());
    byte[] before = Files.readAllBytes(target());

    Path source = dir.resolve("source.bin");
    Files.write(source, new byte[1 << 16]);
    MappedByteBuffer vanished;
    try (FileChannel ch = FileChannel.open(source, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      vanished = ch.map(FileChannel.MapMode.READ_ONLY, 0, 1 << 16);
      ch.truncate(0);
    }
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("first", TensorData.ofFloats(new float[1024], 1024));
    tensors.put("second", new TensorData(DType.U8, new long[] {1 << 16}, vanished));

    assertThrows(IOException.class, () -> SafetensorsWriter.write(target(), tensors, Map.of()));
    assertArrayEquals(before, Files.readAllBytes(target()));
    assertListing(dir, "model.safetensors", "source.bin");
  }

  @Test
  void failedRenameRemovesTheTempFile() throws IOException {
    // A non-empty directory cannot be replaced by a file, so the final rename fails.
    Files.createDirectory(target());
    Files.write(target().resolve("keep.txt"), new byte[] {42});
    assertThrows(IOException.class, () -> SafetensorsWriter.write(target(), one("w", 1), Map.of()));
    assertListing(dir, "model.safetensors");
    assertArrayEquals(new byte[] {42}, Files.readAllBytes(target().resolve("keep.txt")));
  }

  @Test
  void invalidInputIsRejectedBeforeAnythingIsWritten() throws IOException {
    SafetensorsWriter.write(target(), one("old", 1), Map.of());
    byte[] before = Files.readAllBytes(target());
    assertThrows(IllegalArgumentException.class,
        () -> SafetensorsWriter.write(target(), one("__metadata__", 1), Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> SafetensorsWriter.write(target(), one("lone \uD800 surrogate", 1), Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> SafetensorsWriter.write(target(), one("w", 1), Map.of("k", "\uDC00")));
    assertArrayEquals(before, Files.readAllBytes(target()));
    assertListing(dir, "model.safetensors");
  }

  @Test
  void replacingAFileKeepsItsPermissions() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    SafetensorsWriter.write(target(), one("old", 1), Map.of());
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rw-r-----");
    Files.setPosixFilePermissions(target(), perms);
    SafetensorsWriter.write(target(), one("new", 2), Map.of());
    assertEquals(perms, Files.getPosixFilePermissions(target()));
  }

  @Test
  void tensorDataFactoriesRejectDataNotMatchingTheShape() {
    assertThrows(IllegalArgumentException.class, () -> TensorData.ofFloats(new float[5], 2, 3));
    assertThrows(IllegalArgumentException.class, () -> TensorData.ofLongs(new long[1], 2));
    assertThrows(IllegalArgumentException.class, () -> TensorData.ofInts(new int[4], 2, -2));
    assertThrows(IllegalArgumentException.class, () -> TensorData.ofDoubles(new double[0], 1L << 32, 1L << 32));
  }

  @Test
  void tensorDataRejectsBufferOfTheWrongSize() {
    assertThrows(IllegalArgumentException.class,
        () -> new TensorData(DType.F16, new long[] {3}, ByteBuffer.allocate(5)));
  }

  @Test
  void tensorDataIsImmutable() {
    long[] shape = {2};
    TensorData d = TensorData.ofFloats(new float[] {1, 2}, shape);
    shape[0] = 99;
    d.shape()[0] = 99;
    assertArrayEquals(new long[] {2}, d.shape());
    ByteBuffer b = d.bytes();
    b.position(8);
    assertEquals(8, d.bytes().remaining());
    assertTrue(d.bytes().isReadOnly());
  }
}
