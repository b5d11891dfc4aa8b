package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** End to end through the real broker and a real SQLite file: POST spans, then read the tree and search. */
class TraceQueryApiTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300", "TRACE_MAX_WAIT_MS", "1500"));
  static PipelineApp app;
  static Http http;

  @BeforeAll
  static void bind() {
    app = PIPELINE.app();
    http = PIPELINE.http();
  }

  static JsonObject span(String trace, String id, String parent, String name, String start) {
    JsonObject s = new JsonObject().put("id", id).put("trace_id", trace).put("span_name", name)
        .put("start_time", start).put("end_time", "2026-11-27T10:00:05.000Z")
        .put("tenant_id", "acme").put("ticket_id", "T-" + trace.substring(0, 6)).put("agent_id", "agent-1");
    if (parent != null) {
      s.put("parent_span_id", parent);
    }
    return s;
  }

  @Test
  void postedSpansComeBackAsATreeOrderedByStartTime() {
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray()
        .add(span(trace, "late-child", "root", "ticket.complete", "2026-11-27T10:00:03.000Z"))
        .add(span(trace, "root", null, "http.request", "2026-11-27T10:00:00.000Z").put("span_kind", "server"))
        .add(span(trace, "early-child", "root", "ticket.claim", "2026-11-27T10:00:01.000Z")
            .put("status", "error").put("attributes", new JsonObject().put("queue_depth", 3)))
        .add(span(trace, "grandchild", "early-child", "vm.spawn", "2026-11-27T10:00:02.000Z"));
    assertEquals(202, http.postJson("/api/traces", body.encode()).statusCode());

    JsonObject t = awaitStored(trace, true);
    assertEquals(trace, t.getString("trace_id"));
    assertEquals(4, t.getInteger("span_count"));
    assertEquals(0, t.getInteger("orphan_count"));
    assertEquals(5000L, t.getLong("duration_ms"));
    JsonObject root = t.getJsonObject("root");
    assertEquals("root", root.getString("id"));
    assertEquals("server", root.getString("span_kind"));
    JsonArray children = root.getJsonArray("children");
    assertEquals("early-child", children.getJsonObject(0).getString("id"));
    assertEquals("late-child", children.getJsonObject(1).getString("id"));
    JsonObject early = children.getJsonObject(0);
    assertEquals("error", early.getString("status"));
    assertEquals(3, early.getJsonObject("attributes").getInteger("queue_depth"));
    assertEquals("grandchild", early.getJsonArray("children").getJsonObject(0).getString("id"));
    assertTrue(t.getJsonArray("orphans").isEmpty());
  }

  @Test
  void anIncompleteTraceShowsItsOrphanSubtrees() {
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray()
        .add(span(trace, "root", null, "http.request", "2026-11-27T10:00:00.000Z"))
        .add(span(trace, "stray", "missing-parent", "agent.execute", "2026-11-27T10:00:01.000Z"))
        .add(span(trace, "stray-child", "stray", "llm.generate", "2026-11-27T10:00:02.000Z"));
    assertEquals(202, http.postJson("/api/traces", body.encode()).statusCode());

    JsonObject t = awaitStored(trace, false);
    assertFalse(t.getBoolean("complete"));
    assertEquals(1, t.getInteger("orphan_count"));
    JsonArray orphans = t.getJsonArray("orphans");
    assertEquals(1, orphans.size());
    assertEquals("stray", orphans.getJsonObject(0).getString("id"));
    assertEquals("stray-child", orphans.getJsonObject(0).getJsonArray("children").getJsonObject(0).getString("id"));
  }

  @Test
  void searchFiltersAndPagesNewestFirst() {
    String tenant = "tenant-" + TestSpans.newTraceId().substring(0, 8);
    String[] traces = new String[3];
    for (int i = 0; i < 3; i++) {
      traces[i] = TestSpans.newTraceId();
      JsonObject root = span(traces[i], "r", null, "http.request", "2026-11-27T10:00:0" + i + ".000Z").put("tenant_id", tenant);
      assertEquals(202, http.postJson("/api/traces", root.encode()).statusCode());
    }
    for (String t : traces) {
      awaitStored(t, true);
    }
    JsonObject page1 = new JsonObject(http.get("/api/traces?tenant_id=" + tenant + "&limit=2").body());
    JsonArray first = page1.getJsonArray("traces");
    assertEquals(2, first.size());
    assertEquals(traces[2], first.getJsonObject(0).getString("trace_id"), "newest first");
    assertEquals(traces[1], first.getJsonObject(1).getString("trace_id"));
    assertNotNull(page1.getString("next_cursor"));
    JsonObject page2 = new JsonObject(http.get("/api/traces?tenant_id=" + tenant + "&limit=2&cursor="
        + page1.getString("next_cursor")).body());
    assertEquals(1, page2.getJsonArray("traces").size());
    assertEquals(traces[0], page2.getJsonArray("traces").getJsonObject(0).getString("trace_id"));
    assertNull(page2.getString("next_cursor"));

    JsonObject none = new JsonObject(http.get("/api/traces?tenant_id=" + tenant + "&complete=false").body());
    assertTrue(none.getJsonArray("traces").isEmpty());
  }

  @Test
  void unknownTraceIs404AndBadParametersAre400NamingThem() {
    HttpResponse<String> missing = http.get("/api/traces/no-such-trace");
    assertEquals(404, missing.statusCode());
    assertNotNull(new JsonObject(missing.body()).getString("error"));

    HttpResponse<String> bad = http.get("/api/traces?limit=lots");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("limit"), bad.body());
    HttpResponse<String> unknown = http.get("/api/traces?tenantId=acme");
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("tenantId"), unknown.body());
  }

  @Test
  void storageAndLagMetricsAreExported() {
    String metrics = Await.until("storage metrics", Duration.ofSeconds(20), () -> http.get("/metrics").body(),
        m -> m.contains("trace_consumer_lag_records{group=\"trace-aggregator\""));
    for (String name : new String[] {"trace_storage_queue_spans", "trace_storage_batch_seconds_bucket",
        "trace_storage_spans_written_total", "trace_storage_write_failures_total", "trace_storage_db_bytes",
        "trace_storage_disk_free_bytes", "trace_storage_disk_total_bytes", "trace_aggregator_buffered_traces",
        "trace_aggregator_traces_emitted_total", "trace_aggregator_assembly_seconds_bucket",
        "trace_consumer_lag_records{group=\"trace-aggregator\""}) {
      assertTrue(metrics.contains(name), "missing " + name);
    }
    // ROLE=all stores in memory: no storage group on a traces topic to watch.
    assertFalse(metrics.contains("group=\"trace-storage\""), "no lag for a group that does not consume");
  }

  private static JsonObject awaitStored(String trace, boolean complete) {
    HttpResponse<String> r = Await.until("trace " + trace + " stored", Duration.ofSeconds(30),
        () -> http.get("/api/traces/" + trace),
        resp -> resp.statusCode() == 200 && new JsonObject(resp.body()).getBoolean("complete") == complete);
    return new JsonObject(r.body());
  }
}
