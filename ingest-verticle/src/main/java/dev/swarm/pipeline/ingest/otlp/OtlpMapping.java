package dev.swarm.pipeline.ingest.otlp;

import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import java.io.IOException;

/** The OTLP → contract rules both OTLP decoders (protobuf and JSON) share; the table is in docs/interop.md. */
final class OtlpMapping {

  /** Keeps PRODUCER/CONSUMER, which the contract's three kinds cannot say. */
  static final String SPAN_KIND_ATTRIBUTE = dev.swarm.pipeline.schema.ForeignAttributes.SPAN_KIND;
  /** The status message of an ERROR status (OpenTelemetry's name for it in Zipkin and Jaeger exports). */
  static final String STATUS_DESCRIPTION_ATTRIBUTE = "otel.status_description";
  static final String SCOPE_NAME_ATTRIBUTE = "otel.scope.name";
  static final String SCOPE_VERSION_ATTRIBUTE = "otel.scope.version";

  static final int TRACE_ID_BYTES = 16;
  static final int SPAN_ID_BYTES = 8;

  /** Spans without a name get this one (OTLP: "empty value is equivalent to an unknown span name"). */
  static final String UNKNOWN_NAME = "unknown";

  /** Nesting of array and kvlist attribute values allowed; deeper values reject the span. */
  static final int MAX_VALUE_DEPTH = 32;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private OtlpMapping() {}

  /** OTLP SpanKind number → contract kind (and the original in an attribute where the contract has no name). */
  static void kind(int otlpKind, SpanBuilder span) throws IOException {
    switch (otlpKind) {
      case 2:
        span.kind(SpanKind.SERVER);
        break;
      case 3:
        span.kind(SpanKind.CLIENT);
        break;
      case 4:
        span.kind(SpanKind.CLIENT);
        span.stringAttribute(SPAN_KIND_ATTRIBUTE, "producer");
        break;
      case 5:
        span.kind(SpanKind.SERVER);
        span.stringAttribute(SPAN_KIND_ATTRIBUTE, "consumer");
        break;
      default: // 0 UNSPECIFIED, 1 INTERNAL, and numbers from a future version
        span.kind(SpanKind.INTERNAL);
    }
  }

  /** OTLP StatusCode number → contract status; a non-empty message is kept in an attribute. */
  static void status(int code, String message, SpanBuilder span) throws IOException {
    span.status(code == 1 ? SpanStatus.OK : code == 2 ? SpanStatus.ERROR : SpanStatus.UNSET);
    if (message != null && !message.isEmpty()) {
      span.stringAttribute(STATUS_DESCRIPTION_ATTRIBUTE, message);
    }
  }

  /** SpanKind enum names of the proto JSON mapping (receivers accept names as well as numbers). */
  static int kindNumber(String name) {
    switch (name) {
      case "SPAN_KIND_INTERNAL":
        return 1;
      case "SPAN_KIND_SERVER":
        return 2;
      case "SPAN_KIND_CLIENT":
        return 3;
      case "SPAN_KIND_PRODUCER":
        return 4;
      case "SPAN_KIND_CONSUMER":
        return 5;
      default:
        return 0;
    }
  }

  static int statusNumber(String name) {
    switch (name) {
      case "STATUS_CODE_OK":
        return 1;
      case "STATUS_CODE_ERROR":
        return 2;
      default:
        return 0;
    }
  }

  /** Lower-case hex of {@code length} bytes at {@code offset}. */
  static String hex(byte[] bytes, int offset, int length) {
    char[] out = new char[length * 2];
    for (int i = 0; i < length; i++) {
      int b = bytes[offset + i] & 0xff;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 0xf];
    }
    return new String(out);
  }

  static boolean allZero(byte[] bytes, int offset, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[offset + i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * A hex id from OTLP JSON, lower-cased, or null when it is not {@code 2 * byteLength} hex digits or is all
   * zeros (OTLP's invalid id).
   */
  static String hexId(String text, int byteLength) {
    if (text.length() != byteLength * 2) {
      return null;
    }
    boolean nonZero = false;
    char[] out = new char[text.length()];
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 'A' && c <= 'F') {
        c = (char) (c + ('a' - 'A'));
      }
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return null;
      }
      nonZero |= c != '0';
      out[i] = c;
    }
    return nonZero ? new String(out) : null;
  }

  /** Epoch nanoseconds (unsigned 64-bit) to milliseconds, truncated like every contract time. */
  static long nanosToMillis(long unsignedNanos) {
    return Long.divideUnsigned(unsignedNanos, 1_000_000L);
  }

  static String idMessage(String field, int byteLength) {
    return field.equals(SpanContract.PARENT_SPAN_ID)
        ? "must be empty (a root) or " + byteLength + " bytes, not all zero"
        : "must be " + byteLength + " bytes (" + byteLength * 2 + " hex digits), not all zero";
  }
}
