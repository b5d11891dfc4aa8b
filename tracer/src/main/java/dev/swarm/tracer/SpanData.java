package dev.swarm.tracer;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A finished span, immutable: what the exporter sends. {@link #toJson()} writes the pipeline's normalised span
 * form, fields in contract order, optional fields omitted when absent.
 */
public record SpanData(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    SpanKind kind,
    SpanStatus status,
    long startEpochMillis,
    long endEpochMillis,
    String tenantId,
    String ticketId,
    String agentId,
    Map<String, Object> attributes,
    List<SpanEvent> events) {

  public long durationMs() {
    return endEpochMillis - startEpochMillis;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    json.put("id", spanId);
    json.put("trace_id", traceId);
    if (parentSpanId != null) {
      json.put("parent_span_id", parentSpanId);
    }
    json.put("span_name", name);
    json.put("span_kind", kind.wire());
    json.put("status", status.wire());
    json.put("start_time", IsoTime.format(startEpochMillis));
    json.put("end_time", IsoTime.format(endEpochMillis));
    json.put("duration_ms", durationMs());
    putIfPresent(json, "tenant_id", tenantId);
    putIfPresent(json, "ticket_id", ticketId);
    putIfPresent(json, "agent_id", agentId);
    json.put("attributes", attributesJson(attributes));
    JsonArray eventsJson = new JsonArray();
    for (SpanEvent event : events) {
      eventsJson.add(
          new JsonObject()
              .put("name", event.name())
              .put("time", IsoTime.format(event.epochMillis()))
              .put("attributes", attributesJson(event.attributes())));
    }
    json.put("events", eventsJson);
    return json;
  }

  static JsonObject attributesJson(Map<String, Object> attributes) {
    JsonObject json = new JsonObject();
    attributes.forEach(json::put);
    return json;
  }

  private static void putIfPresent(JsonObject json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
