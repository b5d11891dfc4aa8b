package dev.swarm.pipeline.schema;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8: the well-formed byte sequences of the Unicode standard (table 3-7) and nothing else. Jackson decodes
 * overlong forms (C0 AF for '/'), encoded surrogates (CESU-8: ED A0..BF ..) and code points above U+10FFFF without
 * complaint, and the bytes of an attribute are kept as sent, so a body is checked here before it is parsed. Eight
 * bytes at a time while they are ASCII, so honest bodies pay little (SpanDecoderThroughput).
 */
public final class Utf8 {
  private Utf8() {}

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  /** The offset of the first byte that does not begin or continue a well-formed sequence, or -1 if all do. */
  public static int firstInvalid(byte[] b, int offset, int length) {
    int i = offset;
    int end = offset + length;
    while (i < end) {
      if (i + 8 <= end && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
        i += 8;
        continue;
      }
      int lead = b[i] & 0xff;
      if (lead < 0x80) {
        i++;
        continue;
      }
      int n = sequenceLength(b, i, end, lead);
      if (n < 0) {
        return i;
      }
      i += n;
    }
    return -1;
  }

  /** The length of the well-formed sequence starting with {@code lead} at {@code i}, or -1. */
  private static int sequenceLength(byte[] b, int i, int end, int lead) {
    int n;
    int lo = 0x80;
    int hi = 0xbf; // the range of the second byte; the others are always 80..BF
    if (lead >= 0xc2 && lead <= 0xdf) {
      n = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      n = 3;
      if (lead == 0xe0) {
        lo = 0xa0; // below: overlong
      } else if (lead == 0xed) {
        hi = 0x9f; // above: a UTF-16 surrogate (CESU-8)
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      n = 4;
      if (lead == 0xf0) {
        lo = 0x90; // below: overlong
      } else if (lead == 0xf4) {
        hi = 0x8f; // above: beyond U+10FFFF
      }
    } else {
      return -1; // a continuation byte, C0/C1 (always overlong) or F5..FF
    }
    if (i + n > end) {
      return -1;
    }
    int second = b[i + 1] & 0xff;
    if (second < lo || second > hi) {
      return -1;
    }
    for (int k = 2; k < n; k++) {
      int c = b[i + k] & 0xff;
      if (c < 0x80 || c > 0xbf) {
        return -1;
      }
    }
    return n;
  }

  /** The message for a body whose byte {@code at} is not well-formed UTF-8. */
  public static String invalidAt(int at) {
    return "invalid UTF-8 at byte " + at
        + " (only well-formed UTF-8 is taken: no overlong forms, encoded surrogates or code points above U+10FFFF)";
  }
}
