package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.StoredSpan;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes stored spans as Zipkin v2 JSON span objects, in the form Zipkin readers parse (Grafana's Zipkin data
 * source decodes them with zipkin-go's model: hex ids of at most 32/16 digits, microsecond times, string tags).
 * The mapping is the reverse of the Zipkin receiver's; the table is in docs/interop.md.
 */
final class ZipkinSpanJson {

  static final String SERVICE_NAME = dev.swarm.pipeline.schema.InteropAttributes.SERVICE_NAME;
  static final String PEER_SERVICE = "peer.service";
  static final String SPAN_KIND = dev.swarm.pipeline.schema.InteropAttributes.SPAN_KIND;
  static final String STATUS_DESCRIPTION = "otel.status_description";
  /** The stored span id, when the Zipkin id had to be derived from it (see {@link CompatIds}). */
  static final String ORIGINAL_ID_TAG = "swarm.span_id";

  private ZipkinSpanJson() {}

  /** Writes the spans of one trace, each as an object, into the array the generator is in. */
  static void writeTrace(JsonGenerator gen, List<StoredSpan> spans) throws IOException {
    // A shared server span's Zipkin parent is its client's parent.
    Map<String, String> parentOf = new HashMap<>();
    for (StoredSpan s : spans) {
      parentOf.put(s.id(), s.parentSpanId());
    }
    for (StoredSpan s : spans) {
      write(gen, s, parentOf);
    }
  }

  private static void write(JsonGenerator gen, StoredSpan s, Map<String, String> parentOf) throws IOException {
    boolean shared = CompatIds.isSharedServer(s.id());
    Map<String, String> tags = new LinkedHashMap<>();
    String[] special = new String[4]; // service.name, peer.service, otel.span_kind, otel.status_description
    StoredAttributes.forEachAsText(s.attributesJson(), (key, text) -> {
      switch (key) {
        case SERVICE_NAME:
          special[0] = text;
          break;
        case PEER_SERVICE:
          special[1] = text;
          break;
        case SPAN_KIND:
          special[2] = text;
          break;
        default:
          if (key.equals(STATUS_DESCRIPTION)) {
            special[3] = text;
          }
          tags.put(key, text);
      }
    });
    gen.writeStartObject();
    gen.writeStringField("traceId", CompatIds.zipkinTraceId(s.traceId()));
    String parent = shared ? parentOf.get(s.parentSpanId()) : s.parentSpanId();
    if (parent != null) {
      gen.writeStringField("parentId", CompatIds.zipkinSpanId(parent));
    }
    gen.writeStringField("id", CompatIds.zipkinSpanId(s.id()));
    String kind = kind(s.spanKind(), special[2]);
    if (kind != null) {
      gen.writeStringField("kind", kind);
    }
    gen.writeStringField("name", s.spanName());
    long start = Timestamps.parseIso(s.startTime());
    gen.writeNumberField("timestamp", start * 1000L);
    if (s.durationMs() != null) {
      // Zipkin rounds a duration below one microsecond up to one; ours below a millisecond is 0.
      gen.writeNumberField("duration", Math.max(1L, s.durationMs() * 1000L));
    }
    if (special[0] != null) {
      gen.writeObjectFieldStart("localEndpoint");
      gen.writeStringField("serviceName", special[0]);
      gen.writeEndObject();
    }
    if (special[1] != null) {
      gen.writeObjectFieldStart("remoteEndpoint");
      gen.writeStringField("serviceName", special[1]);
      gen.writeEndObject();
    }
    writeAnnotations(gen, s.eventsJson());
    if ("error".equals(s.status()) && !tags.containsKey("error")) {
      tags.put("error", special[3] != null ? special[3] : "true");
    } else if ("ok".equals(s.status())) {
      tags.putIfAbsent("otel.status_code", "OK");
    }
    putIfPresent(tags, "tenant_id", s.tenantId());
    putIfPresent(tags, "ticket_id", s.ticketId());
    putIfPresent(tags, "agent_id", s.agentId());
    if (CompatIds.zipkinRenames(s.id())) {
      tags.put(ORIGINAL_ID_TAG, s.id());
    }
    if (!tags.isEmpty()) {
      gen.writeObjectFieldStart("tags");
      for (Map.Entry<String, String> t : tags.entrySet()) {
        gen.writeStringField(t.getKey(), t.getValue());
      }
      gen.writeEndObject();
    }
    if (shared) {
      gen.writeBooleanField("shared", true);
    }
    gen.writeEndObject();
  }

  private static void putIfPresent(Map<String, String> tags, String key, String value) {
    if (value != null) {
      tags.putIfAbsent(key, value);
    }
  }

  /** Contract kind (+ the OTLP kind kept at ingest) to Zipkin's; null for internal spans (Zipkin omits it). */
  static String kind(String spanKind, String otelKind) {
    if ("server".equals(spanKind)) {
      return "consumer".equals(otelKind) ? "CONSUMER" : "SERVER";
    }
    if ("client".equals(spanKind)) {
      return "producer".equals(otelKind) ? "PRODUCER" : "CLIENT";
    }
    return null;
  }

  /** Events as annotations: the event name, followed by its attributes as JSON when it has any. */
  private static void writeAnnotations(JsonGenerator gen, String eventsJson) throws IOException {
    if (eventsJson == null || eventsJson.equals("[]")) {
      return;
    }
    gen.writeArrayFieldStart("annotations");
    try (JsonParser p = StoredAttributes.JSON.createParser(eventsJson)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String name = null;
        String time = null;
        String attributes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if (field.equals("name")) {
            name = p.getText();
          } else if (field.equals("time")) {
            time = p.getText();
          } else if (field.equals("attributes") && v == JsonToken.START_OBJECT) {
            String compact = StoredAttributes.compact(p);
            attributes = compact.equals("{}") ? null : compact;
          } else {
            p.skipChildren();
          }
        }
        gen.writeStartObject();
        gen.writeNumberField("timestamp", time == null ? 0 : Timestamps.parseIso(time) * 1000L);
        gen.writeStringField("value", attributes == null ? name : name + " " + attributes);
        gen.writeEndObject();
      }
    }
    gen.writeEndArray();
  }
}
