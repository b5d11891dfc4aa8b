package dev.swarm.pipeline.ingest.zipkin;

import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanKind;
import java.io.IOException;

/** The Zipkin v2 → contract rules both Zipkin decoders (JSON, proto3) share; the table is in docs/interop.md. */
final class ZipkinMapping {

  /**
   * Suffix of a shared server span's id. Zipkin B3 lets the server join the client's span (same id, {@code
   * shared: true}); storage identity is (trace_id, id), so the server half is stored as {@code <id>:server}, a
   * child of the client half {@code <id>} (as Zipkin's own tree builder and Jaeger do). The Zipkin read API turns
   * it back into {@code id} + {@code shared: true}.
   */
  static final String SHARED_SUFFIX = dev.swarm.pipeline.schema.InteropAttributes.SHARED_SPAN_SUFFIX;

  static final String SPAN_KIND_ATTRIBUTE = dev.swarm.pipeline.schema.InteropAttributes.SPAN_KIND;
  static final String REMOTE_SERVICE = "peer.service";
  static final String LOCAL_ADDRESS = "network.local.address";
  static final String LOCAL_PORT = "network.local.port";
  static final String REMOTE_ADDRESS = "network.peer.address";
  static final String REMOTE_PORT = "network.peer.port";
  /** Zipkin's error tag: any value marks the span as failed. */
  static final String ERROR_TAG = "error";
  static final String UNKNOWN_NAME = "unknown";

  private ZipkinMapping() {}

  /**
   * A Zipkin trace id (1 to 32 hex digits) as 32 lower-case hex digits: 64-bit ids are padded with zeros, as
   * W3C trace context and OpenTelemetry write a B3 64-bit id, so the same trace joins across formats. Null when
   * not hex or all zeros.
   */
  static String traceId(String text) {
    return paddedHex(text, 32);
  }

  /** A Zipkin span id (1 to 16 hex digits) as 16 lower-case hex digits, or null. */
  static String spanId(String text) {
    return paddedHex(text, 16);
  }

  private static String paddedHex(String text, int width) {
    int n = text.length();
    if (n == 0 || n > width) {
      return null;
    }
    char[] out = new char[width];
    int pad = width - n;
    for (int i = 0; i < pad; i++) {
      out[i] = '0';
    }
    boolean nonZero = false;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c >= 'A' && c <= 'F') {
        c = (char) (c + ('a' - 'A'));
      }
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return null;
      }
      nonZero |= c != '0';
      out[pad + i] = c;
    }
    return nonZero ? new String(out) : null;
  }

  static boolean isZeros(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  /** Kind name (JSON) to the contract; null for a name Zipkin does not define. */
  static boolean kind(String name, SpanBuilder span) throws IOException {
    switch (name) {
      case "CLIENT":
        return kind(1, span);
      case "SERVER":
        return kind(2, span);
      case "PRODUCER":
        return kind(3, span);
      case "CONSUMER":
        return kind(4, span);
      default:
        return false;
    }
  }

  /** Kind number (proto3: 0 unspecified, 1 CLIENT, 2 SERVER, 3 PRODUCER, 4 CONSUMER). */
  static boolean kind(int number, SpanBuilder span) throws IOException {
    switch (number) {
      case 0:
        span.kind(SpanKind.INTERNAL);
        return true;
      case 1:
        span.kind(SpanKind.CLIENT);
        return true;
      case 2:
        span.kind(SpanKind.SERVER);
        return true;
      case 3:
        span.kind(SpanKind.CLIENT);
        span.stringAttribute(SPAN_KIND_ATTRIBUTE, "producer");
        return true;
      case 4:
        span.kind(SpanKind.SERVER);
        span.stringAttribute(SPAN_KIND_ATTRIBUTE, "consumer");
        return true;
      default:
        return false;
    }
  }

  /**
   * Sets the ids, applying the shared-span rule: a {@code shared} span keeps the client's id with
   * {@link #SHARED_SUFFIX} and becomes the client span's child.
   */
  static void ids(SpanBuilder span, String traceId, String id, String parentId, boolean shared) {
    span.traceId(traceId);
    if (shared && id != null) {
      span.spanId(id + SHARED_SUFFIX);
      span.parentSpanId(id);
    } else {
      span.spanId(id);
      span.parentSpanId(parentId);
    }
  }

  /** Microseconds since the epoch (and a duration in microseconds, or -1) to the contract's milliseconds. */
  /**
   * Start and end from Zipkin's microseconds; {@code durationMicros} -1 when absent. A duration that does not fit
   * (a uint64 past 2^63 arrives negative, or timestamp + duration overflows) is refused naming end_time, rather
   * than silently dropping the end.
   */
  static void times(SpanBuilder span, long timestampMicros, long durationMicros) {
    long start = Math.floorDiv(timestampMicros, 1000L);
    span.startMillis(start);
    if (durationMicros < -1 || (durationMicros > 0 && timestampMicros > Long.MAX_VALUE - durationMicros)) {
      span.invalid(SpanContract.END_TIME, "duration out of range: timestamp + duration must fit in 63 bits of"
          + " microseconds");
      return;
    }
    if (durationMicros >= 0) {
      span.endMillis(Math.floorDiv(timestampMicros + durationMicros, 1000L));
    }
  }

  static String idField(boolean trace) {
    return trace ? SpanContract.TRACE_ID : SpanContract.ID;
  }
}
