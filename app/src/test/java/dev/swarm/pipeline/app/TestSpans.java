package dev.swarm.pipeline.app;

import io.vertx.core.json.JsonObject;
import java.util.UUID;

/** Spans for the integration tests, in the contract's JSON form. */
final class TestSpans {
  private TestSpans() {}

  static String newTraceId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  /** A ticket.claim span with times given in +01:00, so normalisation to UTC shows. */
  static JsonObject span(String traceId, String id, String parent) {
    JsonObject s = new JsonObject()
        .put("id", id)
        .put("trace_id", traceId)
        .put("span_name", "ticket.claim")
        .put("start_time", "2026-11-27T23:24:23.123456+01:00")
        .put("end_time", "2026-11-27T23:24:24.000+01:00")
        .put("attributes", new JsonObject().put("ticket_id", "T-1"));
    if (parent != null) {
      s.put("parent_span_id", parent);
    }
    return s;
  }
}
