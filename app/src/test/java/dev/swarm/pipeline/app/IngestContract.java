package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST /api/traces against a real Kafka broker: what is accepted lands in the spans topic. The same tests run
 * against the in-JVM broker ({@link IngestApiTest}) and, where a Docker engine exists, against the official
 * Kafka image ({@link IngestApiOnKafkaContainerTest}).
 */
abstract class IngestContract {
  PipelineApp app;
  Http http;

  abstract PipelineExtension pipeline();

  @BeforeEach
  void bind() {
    app = pipeline().app();
    http = pipeline().http();
  }

  @Test
  void oneSpanLandsInTheTopicKeyedByTraceIdNormalised() {
    String trace = TestSpans.newTraceId();
    HttpResponse<String> r = http.postJson("/api/traces", TestSpans.span(trace, "a1", null).encode(), "X-Trace-ID", "caller-trace-42");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, new JsonObject(r.body()).getInteger("accepted"));
    assertEquals("caller-trace-42", r.headers().firstValue("X-Trace-ID").orElse(null));

    List<TopicReader.Rec> recs = recordsOf(trace);
    assertEquals(1, recs.size());
    // Marked as validated and normalised, so the aggregator and storage need not validate again.
    assertEquals("normalized-1", recs.get(0).format());
    JsonArray value = new JsonArray(recs.get(0).value());
    assertEquals(1, value.size());
    JsonObject s = value.getJsonObject(0);
    assertEquals("a1", s.getString("id"));
    assertEquals("2026-11-27T22:24:23.123Z", s.getString("start_time"));
    assertEquals("2026-11-27T22:24:24.000Z", s.getString("end_time"));
    // end - start of the normalised (millisecond) times
    assertEquals(877L, s.getLong("duration_ms"));
    assertEquals("internal", s.getString("span_kind"));
    assertEquals("unset", s.getString("status"));
    assertEquals("T-1", s.getJsonObject("attributes").getString("ticket_id"));
  }

  @Test
  void arrayAndWrappedBodiesGroupSpansOfOneTraceIntoOneRecord() {
    String t1 = TestSpans.newTraceId();
    String t2 = TestSpans.newTraceId();
    JsonArray arr = new JsonArray().add(TestSpans.span(t1, "r", null)).add(TestSpans.span(t1, "c", "r")).add(TestSpans.span(t2, "x", null));
    HttpResponse<String> r = http.postJson("/api/traces", arr.encode());
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(3, new JsonObject(r.body()).getInteger("accepted"));

    List<TopicReader.Rec> recs1 = recordsOf(t1);
    assertEquals(1, recs1.size());
    assertEquals(2, new JsonArray(recs1.get(0).value()).size());
    assertEquals(1, recordsOf(t2).size());
    // The span lengths header cuts the record exactly where a scan of its JSON does (the aggregator trusts it).
    byte[] value = recs1.get(0).value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    List<String> cut = new java.util.ArrayList<>();
    List<String> scanned = new java.util.ArrayList<>();
    dev.swarm.pipeline.schema.SpanScanner.scan(value, recs1.get(0).spanLengths(),
        (id, parent, offset, length) -> cut.add(id + "/" + parent + "@" + offset + "+" + length));
    dev.swarm.pipeline.schema.SpanScanner.scan(value,
        (id, parent, offset, length) -> scanned.add(id + "/" + parent + "@" + offset + "+" + length));
    org.junit.jupiter.api.Assertions.assertNotNull(recs1.get(0).spanLengths(), "ingest writes the span lengths header");
    assertEquals(scanned, cut);

    String t3 = TestSpans.newTraceId();
    HttpResponse<String> wrapped = http.postJson("/api/traces",
        new JsonObject().put("spans", new JsonArray().add(TestSpans.span(t3, "w", null))).encode());
    assertEquals(202, wrapped.statusCode(), wrapped.body());
    assertEquals(1, recordsOf(t3).size());
  }

  @Test
  void gzipBodiesAreAccepted() {
    String trace = TestSpans.newTraceId();
    HttpResponse<String> r = http.post("/api/traces", Http.gzip(TestSpans.span(trace, "g", null).encode()), "application/json",
        "Content-Encoding", "gzip");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(1, recordsOf(trace).size());
  }

  @Test
  void healthAndMetricsEndpoints() {
    assertEquals(200, http.get("/health/live").statusCode());
    HttpResponse<String> ready = Await.until("ready", java.time.Duration.ofSeconds(20),
        () -> http.get("/health/ready"), r -> r.statusCode() == 200);
    assertEquals("ready", new JsonObject(ready.body()).getString("status"));
    http.postJson("/api/traces", TestSpans.span(TestSpans.newTraceId(), "m", null).encode());
    String metrics = http.get("/metrics").body();
    assertTrue(metrics.contains("trace_ingest_requests_total{outcome=\"accepted\"}"), metrics);
    assertTrue(metrics.contains("trace_ingest_spans_total{outcome=\"accepted\"}"));
    assertTrue(metrics.contains("trace_ingest_publish_seconds_bucket"));
    assertTrue(metrics.contains("trace_ingest_inflight_bytes"));
    assertTrue(metrics.contains("jvm_memory_used_bytes"));
    assertTrue(metrics.contains("vertx_http_server_requests_total"));
    assertFalse(metrics.contains("route=\"/api/traces/" + "a1"), "raw paths must not become labels");
  }

  private List<TopicReader.Rec> recordsOf(String traceId) {
    return TopicReader.readAll(app.bootstrapServers(), app.config().spansTopic()).stream()
        .filter(r -> traceId.equals(r.key()))
        .toList();
  }
}
