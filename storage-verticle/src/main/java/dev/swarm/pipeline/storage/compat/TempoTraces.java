package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.swarm.pipeline.schema.InteropAttributes;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.StoredSpan;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stored spans as Tempo answers a trace: OTLP {@code TracesData} (Tempo's {@code Trace} message has the same
 * wire form), one resource per {@code service.name}. {@code /api/v2/traces/{id}} wraps it in Tempo's
 * {@code TraceByIDResponse} (field 1). JSON uses the proto3 JSON mapping, as Tempo writes it: lowerCamelCase,
 * ids in base64, 64-bit integers as strings, enums by name.
 */
final class TempoTraces {

  private static final Set<String> NOT_SPAN_ATTRIBUTES = Set.of(InteropAttributes.SERVICE_NAME, InteropAttributes.SPAN_KIND);

  private TempoTraces() {}

  static TracesData tracesData(List<StoredSpan> spans) {
    Map<String, ScopeSpans.Builder> byService = new LinkedHashMap<>();
    for (StoredSpan s : spans) {
      String service = StoredAttributes.string(s.attributesJson(), InteropAttributes.SERVICE_NAME);
      byService.computeIfAbsent(service == null ? ServiceIndex.UNKNOWN_SERVICE : service, k -> ScopeSpans.newBuilder())
          .addSpans(span(s));
    }
    TracesData.Builder data = TracesData.newBuilder();
    for (Map.Entry<String, ScopeSpans.Builder> e : byService.entrySet()) {
      data.addResourceSpans(ResourceSpans.newBuilder()
          .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey(InteropAttributes.SERVICE_NAME)
              .setValue(AnyValue.newBuilder().setStringValue(e.getKey()))))
          .addScopeSpans(e.getValue()));
    }
    return data.build();
  }

  static Span span(StoredSpan s) {
    long start = Timestamps.parseIso(s.startTime());
    Span.Builder b = Span.newBuilder()
        .setTraceId(ByteString.copyFrom(CompatIds.traceIdBytes(s.traceId())))
        .setSpanId(ByteString.copyFrom(CompatIds.spanIdBytes(s.id())))
        .setName(s.spanName())
        .setStartTimeUnixNano(start * 1_000_000L);
    if (s.parentSpanId() != null) {
      b.setParentSpanId(ByteString.copyFrom(CompatIds.spanIdBytes(s.parentSpanId())));
    }
    Long end = s.endTime() != null ? Long.valueOf(Timestamps.parseIso(s.endTime()))
        : s.durationMs() != null ? Long.valueOf(start + s.durationMs()) : null;
    if (end != null) {
      b.setEndTimeUnixNano(end * 1_000_000L);
    }
    String otelKind = StoredAttributes.string(s.attributesJson(), InteropAttributes.SPAN_KIND);
    b.setKind(kind(s.spanKind(), otelKind));
    b.addAllAttributes(StoredAttributes.keyValues(s.attributesJson(), NOT_SPAN_ATTRIBUTES));
    if (!CompatIds.isHex(s.id(), 16)) {
      b.addAttributes(stringAttribute(ZipkinSpanJson.ORIGINAL_ID_TAG, s.id()));
    }
    addIfPresent(b, "tenant_id", s.tenantId());
    addIfPresent(b, "ticket_id", s.ticketId());
    addIfPresent(b, "agent_id", s.agentId());
    addEvents(b, s.eventsJson());
    Status.Builder status = Status.newBuilder();
    if ("error".equals(s.status())) {
      status.setCode(Status.StatusCode.STATUS_CODE_ERROR);
      String message = StoredAttributes.string(s.attributesJson(), ZipkinSpanJson.STATUS_DESCRIPTION);
      if (message != null) {
        status.setMessage(message);
      }
    } else if ("ok".equals(s.status())) {
      status.setCode(Status.StatusCode.STATUS_CODE_OK);
    }
    return b.setStatus(status).build();
  }

  private static void addIfPresent(Span.Builder b, String key, String value) {
    if (value != null && b.getAttributesList().stream().noneMatch(kv -> kv.getKey().equals(key))) {
      b.addAttributes(stringAttribute(key, value));
    }
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  static Span.SpanKind kind(String spanKind, String otelKind) {
    if ("server".equals(spanKind)) {
      return "consumer".equals(otelKind) ? Span.SpanKind.SPAN_KIND_CONSUMER : Span.SpanKind.SPAN_KIND_SERVER;
    }
    if ("client".equals(spanKind)) {
      return "producer".equals(otelKind) ? Span.SpanKind.SPAN_KIND_PRODUCER : Span.SpanKind.SPAN_KIND_CLIENT;
    }
    return Span.SpanKind.SPAN_KIND_INTERNAL;
  }

  private static void addEvents(Span.Builder b, String eventsJson) {
    if (eventsJson == null || eventsJson.equals("[]")) {
      return;
    }
    try (JsonParser p = StoredAttributes.JSON.createParser(eventsJson)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        Span.Event.Builder event = Span.Event.newBuilder();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if (field.equals("name")) {
            event.setName(p.getText());
          } else if (field.equals("time")) {
            event.setTimeUnixNano(Timestamps.parseIso(p.getText()) * 1_000_000L);
          } else if (field.equals("attributes") && v == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String key = p.currentName();
              p.nextToken();
              event.addAttributes(KeyValue.newBuilder().setKey(key).setValue(StoredAttributes.anyValue(p)));
            }
          } else {
            p.skipChildren();
          }
        }
        b.addEvents(event);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Tempo's {@code TraceByIDResponse { Trace trace = 1; }} around the trace. */
  static byte[] traceByIdResponse(TracesData trace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(trace.getSerializedSize() + 8);
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeMessage(1, trace);
      coded.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Tempo JSON: v2 {@code {"trace":{"resourceSpans":[…]}}}, v1 {@code {"batches":[…]}}. */
  static void writeJson(TracesData trace, JsonGenerator gen, boolean v2) throws IOException {
    gen.writeStartObject();
    if (v2) {
      gen.writeObjectFieldStart("trace");
      gen.writeArrayFieldStart("resourceSpans");
    } else {
      gen.writeArrayFieldStart("batches");
    }
    for (ResourceSpans rs : trace.getResourceSpansList()) {
      gen.writeStartObject();
      gen.writeObjectFieldStart("resource");
      writeAttributes(gen, rs.getResource().getAttributesList());
      gen.writeEndObject();
      gen.writeArrayFieldStart("scopeSpans");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        gen.writeStartObject();
        gen.writeArrayFieldStart("spans");
        for (Span s : ss.getSpansList()) {
          writeSpan(gen, s);
        }
        gen.writeEndArray();
        gen.writeEndObject();
      }
      gen.writeEndArray();
      gen.writeEndObject();
    }
    gen.writeEndArray();
    if (v2) {
      gen.writeEndObject();
    }
    gen.writeEndObject();
  }

  private static void writeSpan(JsonGenerator gen, Span s) throws IOException {
    Base64.Encoder b64 = Base64.getEncoder();
    gen.writeStartObject();
    gen.writeStringField("traceId", b64.encodeToString(s.getTraceId().toByteArray()));
    gen.writeStringField("spanId", b64.encodeToString(s.getSpanId().toByteArray()));
    if (!s.getParentSpanId().isEmpty()) {
      gen.writeStringField("parentSpanId", b64.encodeToString(s.getParentSpanId().toByteArray()));
    }
    gen.writeStringField("name", s.getName());
    gen.writeStringField("kind", s.getKind().name());
    gen.writeStringField("startTimeUnixNano", Long.toUnsignedString(s.getStartTimeUnixNano()));
    if (s.getEndTimeUnixNano() != 0) {
      gen.writeStringField("endTimeUnixNano", Long.toUnsignedString(s.getEndTimeUnixNano()));
    }
    writeAttributes(gen, s.getAttributesList());
    if (s.getEventsCount() > 0) {
      gen.writeArrayFieldStart("events");
      for (Span.Event e : s.getEventsList()) {
        gen.writeStartObject();
        gen.writeStringField("timeUnixNano", Long.toUnsignedString(e.getTimeUnixNano()));
        gen.writeStringField("name", e.getName());
        writeAttributes(gen, e.getAttributesList());
        gen.writeEndObject();
      }
      gen.writeEndArray();
    }
    gen.writeObjectFieldStart("status");
    if (s.getStatus().getCode() != Status.StatusCode.STATUS_CODE_UNSET) {
      gen.writeStringField("code", s.getStatus().getCode().name());
    }
    if (!s.getStatus().getMessage().isEmpty()) {
      gen.writeStringField("message", s.getStatus().getMessage());
    }
    gen.writeEndObject();
    gen.writeEndObject();
  }

  private static void writeAttributes(JsonGenerator gen, List<KeyValue> attributes) throws IOException {
    if (attributes.isEmpty()) {
      return;
    }
    gen.writeArrayFieldStart("attributes");
    for (KeyValue kv : attributes) {
      writeKeyValue(gen, kv);
    }
    gen.writeEndArray();
  }

  private static void writeKeyValue(JsonGenerator gen, KeyValue kv) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("key", kv.getKey());
    gen.writeFieldName("value");
    writeAnyValue(gen, kv.getValue());
    gen.writeEndObject();
  }

  private static void writeAnyValue(JsonGenerator gen, AnyValue v) throws IOException {
    gen.writeStartObject();
    switch (v.getValueCase()) {
      case STRING_VALUE:
        gen.writeStringField("stringValue", v.getStringValue());
        break;
      case BOOL_VALUE:
        gen.writeBooleanField("boolValue", v.getBoolValue());
        break;
      case INT_VALUE:
        gen.writeStringField("intValue", Long.toString(v.getIntValue()));
        break;
      case DOUBLE_VALUE:
        gen.writeNumberField("doubleValue", v.getDoubleValue());
        break;
      case ARRAY_VALUE:
        gen.writeObjectFieldStart("arrayValue");
        gen.writeArrayFieldStart("values");
        for (AnyValue item : v.getArrayValue().getValuesList()) {
          writeAnyValue(gen, item);
        }
        gen.writeEndArray();
        gen.writeEndObject();
        break;
      case KVLIST_VALUE:
        gen.writeObjectFieldStart("kvlistValue");
        gen.writeArrayFieldStart("values");
        for (KeyValue item : v.getKvlistValue().getValuesList()) {
          writeKeyValue(gen, item);
        }
        gen.writeEndArray();
        gen.writeEndObject();
        break;
      default:
        break;
    }
    gen.writeEndObject();
  }
}
