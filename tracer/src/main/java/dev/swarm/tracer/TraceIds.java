package dev.swarm.tracer;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C trace-context compatible ids: trace ids are 32 and span ids 16 lower-case hex digits, never all zero.
 * Both are also valid pipeline ids ({@code [0-9A-Za-z._:-]{1,64}}).
 */
public final class TraceIds {
  public static final int TRACE_ID_LENGTH = 32;
  public static final int SPAN_ID_LENGTH = 16;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TraceIds() {}

  /** A random trace id (ThreadLocalRandom: ids need to be unlikely to collide, not unpredictable). */
  public static String newTraceId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high;
    long low;
    do {
      high = random.nextLong();
      low = random.nextLong();
    } while (high == 0 && low == 0);
    char[] out = new char[TRACE_ID_LENGTH];
    writeHex(high, out, 0);
    writeHex(low, out, 16);
    return new String(out);
  }

  /** A random span id. */
  public static String newSpanId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long value;
    do {
      value = random.nextLong();
    } while (value == 0);
    char[] out = new char[SPAN_ID_LENGTH];
    writeHex(value, out, 0);
    return new String(out);
  }

  /** True for 32 lower-case hex digits, not all zero. */
  public static boolean isValidTraceId(String id) {
    return id != null && id.equals(normaliseHex(id, TRACE_ID_LENGTH));
  }

  /** True for 16 lower-case hex digits, not all zero. */
  public static boolean isValidSpanId(String id) {
    return id != null && id.equals(normaliseHex(id, SPAN_ID_LENGTH));
  }

  /**
   * The id in lower case when it is exactly {@code length} hex digits (either case) and not all zero; null
   * otherwise.
   */
  public static String normaliseHex(CharSequence id, int length) {
    if (id == null || id.length() != length) {
      return null;
    }
    char[] out = new char[length];
    boolean nonZero = false;
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c >= '0' && c <= '9') {
        out[i] = c;
      } else if (c >= 'a' && c <= 'f') {
        out[i] = c;
      } else if (c >= 'A' && c <= 'F') {
        out[i] = (char) (c + ('a' - 'A'));
      } else {
        return null;
      }
      nonZero |= c != '0';
    }
    return nonZero ? new String(out) : null;
  }

  private static void writeHex(long value, char[] out, int offset) {
    for (int i = 15; i >= 0; i--) {
      out[offset + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }
}
