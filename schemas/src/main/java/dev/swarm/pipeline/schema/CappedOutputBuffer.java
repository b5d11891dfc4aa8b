package dev.swarm.pipeline.schema;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reusable growable byte buffer that refuses to hold more than {@code cap} bytes, so copying an oversized
 * JSON value stops early instead of buffering all of it.
 */
final class CappedOutputBuffer extends OutputStream {

  /** Thrown from {@link #write} when the cap would be exceeded. */
  static final class CapExceeded extends IOException {
    CapExceeded() {
      super("buffer cap exceeded", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // control flow, not a bug: skip the stack walk
    }
  }

  private final int cap;
  private byte[] bytes;
  private int size;

  CappedOutputBuffer(int initialCapacity, int cap) {
    this.cap = cap;
    this.bytes = new byte[Math.min(initialCapacity, Math.max(cap, 16))];
  }

  @Override
  public void write(int b) throws IOException {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] source, int offset, int length) throws IOException {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  private void ensure(int more) throws CapExceeded {
    int needed = size + more;
    if (needed > cap || needed < 0) {
      throw new CapExceeded();
    }
    if (needed > bytes.length) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(cap, Math.max(needed, bytes.length * 2L)));
    }
  }

  int size() {
    return size;
  }

  void reset() {
    size = 0;
  }

  String toUtf8String() {
    return new String(bytes, 0, size, StandardCharsets.UTF_8);
  }
}
