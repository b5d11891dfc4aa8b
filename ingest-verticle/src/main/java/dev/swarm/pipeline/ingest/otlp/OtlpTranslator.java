package dev.swarm.pipeline.ingest.otlp;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.InteropAttributes;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.SpanBuilder.AttributeSet;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one OTLP mapping: an {@link ExportTraceServiceRequest} (the generated opentelemetry-proto messages, read from
 * protobuf or JSON) → contract spans, through {@link SpanBuilder}. Each span is checked on its own: one that breaks
 * the contract is left out and reported with its index; the rest are kept. The table is in docs/interop.md.
 * Thread-safe (a builder per call).
 */
final class OtlpTranslator {

  /** Keeps PRODUCER/CONSUMER, which the contract's three kinds cannot say. */
  static final String SPAN_KIND_ATTRIBUTE = InteropAttributes.SPAN_KIND;
  /** The status message of an ERROR status (OpenTelemetry's name for it in Zipkin and Jaeger exports). */
  static final String STATUS_DESCRIPTION_ATTRIBUTE = "otel.status_description";
  static final String SCOPE_NAME_ATTRIBUTE = "otel.scope.name";
  static final String SCOPE_VERSION_ATTRIBUTE = "otel.scope.version";

  static final int TRACE_ID_BYTES = 16;
  static final int SPAN_ID_BYTES = 8;

  /** Spans and events without a name get this one (OTLP: "empty value is equivalent to an unknown span name"). */
  static final String UNKNOWN_NAME = "unknown";

  /** Nesting of array and kvlist attribute values allowed; deeper values reject the span. */
  static final int MAX_VALUE_DEPTH = 32;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final SpanLimits limits;

  OtlpTranslator(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** The request's spans: the valid ones, and the problems of the others; more than {@code maxSpans}: none. */
  ConversionResult translate(ExportTraceServiceRequest request, int maxSpans) {
    int total = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        total += ss.getSpansCount();
      }
    }
    if (total > maxSpans) {
      return new ConversionResult.TooManySpans(maxSpans);
    }
    SpanBuilder builder = new SpanBuilder(limits, false); // kvlist keys are checked here (write)
    List<Span> spans = new ArrayList<>(total);
    List<FieldError> errors = new ArrayList<>();
    int index = 0;
    try {
      for (ResourceSpans rs : request.getResourceSpansList()) {
        AttributeSet resource = new AttributeSet();
        inherited(rs.getResource().getAttributesList(), resource);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          AttributeSet scope = scope(ss.getScope());
          List<AttributeSet> inherited = scope.isEmpty() ? List.of(resource) : List.of(resource, scope);
          for (int i = 0, n = ss.getSpansCount(); i < n; i++) {
            Span converted = span(ss.getSpans(i), inherited, builder, index++, errors);
            if (converted != null) {
              spans.add(converted);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing JSON to memory
    }
    return new ConversionResult.Converted(spans, total - spans.size(), errors, total);
  }

  private AttributeSet scope(InstrumentationScope scope) {
    AttributeSet set = new AttributeSet();
    if (!scope.getName().isEmpty()) {
      set.addString(SCOPE_NAME_ATTRIBUTE, scope.getName());
    }
    if (!scope.getVersion().isEmpty()) {
      set.addString(SCOPE_VERSION_ATTRIBUTE, scope.getVersion());
    }
    inherited(scope.getAttributesList(), set);
    return set;
  }

  /** Resource or scope attributes, each value serialised once (added to every span that lacks the key). */
  private static void inherited(List<KeyValue> attributes, AttributeSet set) {
    for (KeyValue kv : attributes) {
      String key = kv.getKey();
      if (key.isEmpty()) {
        continue; // OTLP: an attribute key is never empty (proto3 cannot tell empty from absent)
      }
      AnyValue value = kv.getValue();
      if (value.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
        set.addString(key, value.getStringValue());
        continue;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      try (JsonGenerator gen = AttributeSet.valueGenerator(out)) {
        write(value, gen, 0);
      } catch (DepthExceeded | JsonGenerationException e) {
        continue; // an attribute that cannot be written is left out rather than failing every span
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      set.add(key, out.toString(StandardCharsets.UTF_8));
    }
  }

  private static Span span(io.opentelemetry.proto.trace.v1.Span span, List<AttributeSet> inherited, SpanBuilder b,
      int index, List<FieldError> errors) throws IOException {
    b.begin(inherited);
    String traceId = id(span.getTraceId(), SpanContract.TRACE_ID, TRACE_ID_BYTES, b);
    if (traceId != null) {
      b.traceId(traceId);
    }
    String spanId = id(span.getSpanId(), SpanContract.ID, SPAN_ID_BYTES, b);
    if (spanId != null) {
      b.spanId(spanId);
    }
    ByteString parent = span.getParentSpanId();
    if (!allZero(parent)) { // empty or all zeros: a root
      b.parentSpanId(id(parent, SpanContract.PARENT_SPAN_ID, SPAN_ID_BYTES, b));
    }
    for (int i = 0, n = span.getAttributesCount(); i < n; i++) {
      attribute(span.getAttributes(i), b, false);
    }
    for (int e = 0, events = span.getEventsCount(); e < events; e++) {
      io.opentelemetry.proto.trace.v1.Span.Event event = span.getEvents(e);
      b.beginEvent();
      for (int i = 0, n = event.getAttributesCount(); i < n; i++) {
        attribute(event.getAttributes(i), b, true);
      }
      b.eventName(event.getName().isEmpty() ? UNKNOWN_NAME : event.getName());
      b.eventTimeMillis(nanosToMillis(event.getTimeUnixNano()));
      b.endEvent();
    }
    b.name(span.getName().isEmpty() ? UNKNOWN_NAME : span.getName());
    kind(span.getKindValue(), b);
    Status status = span.getStatus();
    b.status(switch (status.getCodeValue()) {
      case Status.StatusCode.STATUS_CODE_OK_VALUE -> SpanStatus.OK;
      case Status.StatusCode.STATUS_CODE_ERROR_VALUE -> SpanStatus.ERROR;
      default -> SpanStatus.UNSET;
    });
    if (!status.getMessage().isEmpty()) {
      try {
        b.stringAttribute(STATUS_DESCRIPTION_ATTRIBUTE, status.getMessage());
      } catch (JsonGenerationException e) { // a lone surrogate (JSON escapes can say one)
        b.attributeFailed(SpanContract.ATTRIBUTES, e);
      }
    }
    if (span.getStartTimeUnixNano() != 0) {
      b.startMillis(nanosToMillis(span.getStartTimeUnixNano()));
    }
    if (span.getEndTimeUnixNano() != 0) {
      b.endMillis(nanosToMillis(span.getEndTimeUnixNano()));
    }
    return b.build(index, errors, SpanDecoder.MAX_ERROR_DETAILS);
  }

  /** OTLP SpanKind number → contract kind (and the original in an attribute where the contract has no name). */
  private static void kind(int otlpKind, SpanBuilder b) throws IOException {
    switch (otlpKind) {
      case io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER_VALUE -> b.kind(SpanKind.SERVER);
      case io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT_VALUE -> b.kind(SpanKind.CLIENT);
      case io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER_VALUE -> {
        b.kind(SpanKind.CLIENT);
        b.stringAttribute(SPAN_KIND_ATTRIBUTE, "producer");
      }
      case io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER_VALUE -> {
        b.kind(SpanKind.SERVER);
        b.stringAttribute(SPAN_KIND_ATTRIBUTE, "consumer");
      }
      default -> b.kind(SpanKind.INTERNAL); // UNSPECIFIED, INTERNAL, and numbers from a later version
    }
  }

  /**
   * A trace, span or parent id as lower-case hex; null when absent (the builder then reports a required id) or
   * when it is not {@code size} bytes or is all zeros (recorded as the field's problem).
   */
  private static String id(ByteString bytes, String field, int size, SpanBuilder b) {
    if (bytes.isEmpty()) {
      return null;
    }
    if (bytes.size() == size) {
      byte[] hex = new byte[size * 2];
      int any = 0;
      for (int i = 0; i < size; i++) {
        int v = bytes.byteAt(i) & 0xff;
        any |= v;
        hex[2 * i] = HEX[v >>> 4];
        hex[2 * i + 1] = HEX[v & 0xf];
      }
      if (any != 0) {
        return new String(hex, StandardCharsets.ISO_8859_1);
      }
    }
    b.invalid(field, field.equals(SpanContract.PARENT_SPAN_ID)
        ? "must be empty (a root) or " + size + " bytes, not all zero"
        : "must be " + size + " bytes (" + size * 2 + " hex digits), not all zero");
    return null;
  }

  private static boolean allZero(ByteString bytes) {
    for (int i = 0; i < bytes.size(); i++) {
      if (bytes.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** A span or event attribute. A lone string is also a candidate for the span's tenant, ticket or agent id. */
  private static void attribute(KeyValue kv, SpanBuilder b, boolean event) throws IOException {
    String key = kv.getKey();
    if (key.isEmpty()) {
      return; // OTLP: an attribute key is never empty (proto3 cannot tell empty from absent)
    }
    AnyValue value = kv.getValue();
    try {
      if (!event && value.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
        b.stringAttribute(key, value.getStringValue());
        return;
      }
      JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
      if (gen != null) { // null: the key is already there, the first value wins
        write(value, gen, 0);
      }
    } catch (DepthExceeded | JsonGenerationException e) {
      b.attributeFailed(event ? "events.attributes" : SpanContract.ATTRIBUTES, e);
    }
  }

  /**
   * An AnyValue as JSON: no value (or a value of another signal, such as a string-table index) is null. A kvlist
   * repeating a key is refused here (the span builder is told not to check).
   */
  private static void write(AnyValue value, JsonGenerator gen, int depth) throws IOException {
    if (depth > MAX_VALUE_DEPTH) {
      throw new DepthExceeded();
    }
    switch (value.getValueCase()) {
      case STRING_VALUE -> gen.writeString(value.getStringValue());
      case BOOL_VALUE -> gen.writeBoolean(value.getBoolValue());
      case INT_VALUE -> gen.writeNumber(value.getIntValue());
      case DOUBLE_VALUE -> {
        double d = value.getDoubleValue();
        if (Double.isFinite(d)) {
          gen.writeNumber(d);
        } else { // JSON has no NaN or infinities; the proto JSON mapping writes them as these strings
          gen.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        }
      }
      case BYTES_VALUE -> gen.writeString(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
      case ARRAY_VALUE -> {
        gen.writeStartArray();
        for (AnyValue v : value.getArrayValue().getValuesList()) {
          write(v, gen, depth + 1);
        }
        gen.writeEndArray();
      }
      case KVLIST_VALUE -> {
        List<KeyValue> values = value.getKvlistValue().getValuesList();
        Set<String> keys = values.size() > 1 ? new HashSet<>() : null;
        gen.writeStartObject();
        for (KeyValue kv : values) {
          String key = kv.getKey();
          if (key.isEmpty()) {
            continue;
          }
          if (keys != null && !keys.add(key)) { // JSON objects have unique keys: refused, as Jackson words it
            throw new JsonGenerationException("Duplicate field '" + key + "'", gen);
          }
          gen.writeFieldName(key);
          write(kv.getValue(), gen, depth + 1);
        }
        gen.writeEndObject();
      }
      default -> gen.writeNull();
    }
  }

  /** Epoch nanoseconds (unsigned 64-bit) to milliseconds, truncated like every contract time. */
  static long nanosToMillis(long unsignedNanos) {
    return Long.divideUnsigned(unsignedNanos, 1_000_000L);
  }

  /** An attribute value nested deeper than {@link #MAX_VALUE_DEPTH}. */
  private static final class DepthExceeded extends IOException {
    DepthExceeded() {
      super("attribute value nested deeper than " + MAX_VALUE_DEPTH + " levels", null);
    }
  }
}
