package dev.swarm.tracer;

import java.util.Optional;

/**
 * A W3C {@code traceparent} header: {@code version-traceid-parentid-flags}. Parsing follows the
 * trace-context rules (version {@code ff} and all-zero ids are invalid; version {@code 00} has exactly four
 * fields; a higher version may append fields after a dash), except that upper-case hex is accepted and
 * normalised to lower case, as many proxies and older clients send it.
 *
 * @param traceId 32 lower-case hex digits
 * @param parentSpanId 16 lower-case hex digits: the caller's span
 * @param flags the trace-flags byte (bit 0 = sampled)
 */
public record TraceParent(String traceId, String parentSpanId, int flags) {

  public static final String HEADER = "traceparent";
  /** The only version this library writes. */
  public static final String VERSION = "00";
  /** Flags written: sampled (this library records every span; sampling is the pipeline's business). */
  public static final int SAMPLED = 0x01;

  private static final int VERSION_00_LENGTH = 55;

  public TraceParent {
    if (!TraceIds.isValidTraceId(traceId) || !TraceIds.isValidSpanId(parentSpanId) || flags < 0 || flags > 0xFF) {
      throw new IllegalArgumentException("not a valid traceparent: " + traceId + "/" + parentSpanId + "/" + flags);
    }
  }

  /** The header value for a span: {@code 00-<trace>-<span>-01}. */
  public static String format(String traceId, String spanId) {
    return VERSION + "-" + traceId + "-" + spanId + "-01";
  }

  /** This value as a version-00 header. */
  public String format() {
    return VERSION + "-" + traceId + "-" + parentSpanId + "-" + hexByte(flags);
  }

  /** The parsed header, or empty when absent or invalid (the receiver then starts a new trace). */
  public static Optional<TraceParent> parse(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.strip();
    if (value.length() < VERSION_00_LENGTH
        || value.charAt(2) != '-'
        || value.charAt(35) != '-'
        || value.charAt(52) != '-') {
      return Optional.empty();
    }
    int version = parseHexByte(value, 0);
    if (version < 0 || version == 0xFF) {
      return Optional.empty();
    }
    if (version == 0 && value.length() != VERSION_00_LENGTH) {
      return Optional.empty();
    }
    // A future version may carry more fields, separated by a dash; we read the four we know.
    if (version > 0 && value.length() > VERSION_00_LENGTH && value.charAt(VERSION_00_LENGTH) != '-') {
      return Optional.empty();
    }
    String traceId = TraceIds.normaliseHex(value.substring(3, 35), TraceIds.TRACE_ID_LENGTH);
    String spanId = TraceIds.normaliseHex(value.substring(36, 52), TraceIds.SPAN_ID_LENGTH);
    int flags = parseHexByte(value, 53);
    if (traceId == null || spanId == null || flags < 0) {
      return Optional.empty();
    }
    return Optional.of(new TraceParent(traceId, spanId, flags));
  }

  private static int parseHexByte(String s, int at) {
    int high = hexDigit(s.charAt(at));
    int low = hexDigit(s.charAt(at + 1));
    return high < 0 || low < 0 ? -1 : high * 16 + low;
  }

  // Not Character.digit: that also accepts non-ASCII digits.
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private static String hexByte(int value) {
    String hex = Integer.toHexString(value);
    return hex.length() == 1 ? "0" + hex : hex;
  }
}
