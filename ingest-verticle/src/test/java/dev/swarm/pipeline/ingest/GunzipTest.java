package dev.swarm.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GunzipTest {
  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Test
  void inflatesUpToTheLimitAndNoFurther() throws IOException {
    byte[] data = new byte[100_000];
    assertArrayEquals(data, Gunzip.inflate(gzip(data), 100_000));
    assertThrows(Gunzip.TooLarge.class, () -> Gunzip.inflate(gzip(data), 99_999));
    assertThrows(IOException.class, () -> Gunzip.inflate(new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}, 1000));
  }
}
