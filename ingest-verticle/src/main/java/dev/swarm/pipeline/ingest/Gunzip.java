package dev.swarm.pipeline.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/** Bounded gzip decompression: stops as soon as the output would pass the limit (no zip bombs). */
final class Gunzip {

  /** The decompressed body would be larger than the limit. */
  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("decompressed body larger than " + limit + " bytes", null);
    }
  }

  private Gunzip() {}

  static byte[] inflate(byte[] compressed, long maxBytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(maxBytes, Math.max(256L, compressed.length * 4L)));
    byte[] chunk = new byte[16 * 1024];
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed), chunk.length)) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + (long) n > maxBytes) {
          throw new TooLarge(maxBytes);
        }
        out.write(chunk, 0, n);
      }
    }
    return out.toByteArray();
  }
}
