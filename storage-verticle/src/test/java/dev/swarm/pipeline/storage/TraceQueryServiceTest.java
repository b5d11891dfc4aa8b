package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TraceQueryServiceTest {

  @TempDir
  Path dir;

  private TestStore store;
  private Vertx vertx;
  private SqliteSettings settings;
  private StorageDatabase database;
  private TraceWriter writer;
  private TraceQueryService queries;

  @BeforeEach
  void open() {
    store = TestStore.open(dir.resolve("swarm.db"), 1000, 2);
    vertx = store.vertx;
    settings = store.settings;
    database = store.database;
    writer = store.writer;
    queries = new TraceQueryService(vertx, database.readerPool(), 20_000);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A trace of three spans starting {@code offsetMs} after T0. */
  private static List<Span> trace(String traceId, long offsetMs, String tenant, SpanStatus childStatus, long childMs) {
    Span root = TestSpans.withOwners(span(traceId, "r", null, "agent.run", offsetMs), tenant, "TCK-" + tenant,
        "agent-" + tenant);
    Span child = new Span("c", traceId, "r", "llm.chat", SpanKind.CLIENT, childStatus, TestSpans.T0 + offsetMs + 1,
        TestSpans.T0 + offsetMs + 1 + childMs, childMs, tenant, null, null, "{}", "[]", 0);
    Span grandchild = span(traceId, "g", "c", "tool.search", offsetMs + 2).withTenantId(tenant);
    return List.of(root, child, grandchild);
  }

  private JsonObject search(String... nameValue) {
    Map<String, List<String>> params = new java.util.LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      params.put(nameValue[i], List.of(nameValue[i + 1]));
    }
    return new JsonObject(await(queries.searchJson(TraceSearch.parse(params), null)));
  }

  private static List<String> traceIds(JsonObject page) {
    List<String> out = new ArrayList<>();
    JsonArray traces = page.getJsonArray("traces");
    for (int i = 0; i < traces.size(); i++) {
      out.add(traces.getJsonObject(i).getString("trace_id"));
    }
    return out;
  }

  @Test
  void returnsTheTraceAsATree() {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.ERROR, 40)))));
    JsonObject doc = new JsonObject(await(queries.traceJson("t1", null)));
    assertEquals("t1", doc.getString("trace_id"));
    assertEquals(true, doc.getBoolean("complete"));
    assertEquals("complete", doc.getString("verdict"));
    assertEquals(3, doc.getInteger("span_count"));
    assertEquals(0, doc.getInteger("orphan_count"));
    assertEquals(41, doc.getInteger("duration_ms"));
    assertEquals("2026-11-27T23:24:23.123Z", doc.getString("start_time"));
    JsonObject root = doc.getJsonObject("root");
    assertEquals("r", root.getString("id"));
    assertEquals("acme", root.getString("tenant_id"));
    JsonObject child = root.getJsonArray("children").getJsonObject(0);
    assertEquals("c", child.getString("id"));
    assertEquals("client", child.getString("span_kind"));
    assertEquals("error", child.getString("status"));
    assertEquals(40, child.getInteger("duration_ms"));
    assertFalse(child.containsKey("ticket_id"));
    assertEquals("g", child.getJsonArray("children").getJsonObject(0).getString("id"));
    assertEquals(new JsonArray(), doc.getJsonArray("orphans"));
  }

  @Test
  void anUnknownTraceIsNull() {
    assertNull(await(queries.traceJson("nope", null)));
  }

  @Test
  void aTenThousandDeepTraceIsServed() throws Exception {
    int depth = 10_000;
    List<Span> spans = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      spans.add(span("deep", "s" + i, i == 0 ? null : "s" + (i - 1), "step", i));
    }
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, spans))));
    Buffer body = await(queries.traceJson("deep", null));
    JsonFactory deep = new JsonFactoryBuilder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build()).build();
    int ids = 0;
    int maxDepth = 0;
    int depthNow = 0;
    try (JsonParser p = deep.createParser(body.getBytes())) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.START_OBJECT) {
          maxDepth = Math.max(maxDepth, ++depthNow);
        } else if (t == JsonToken.END_OBJECT) {
          depthNow--;
        } else if (t == JsonToken.FIELD_NAME && p.currentName().equals("id")) {
          ids++;
        }
      }
    }
    assertEquals(depth, ids);
    assertTrue(maxDepth > depth, "nesting " + maxDepth); // every span one level below its parent
  }

  @Test
  void aTraceLargerThanTheLimitIsTruncated() {
    TraceQueryService small = new TraceQueryService(vertx, database.readerPool(), 2);
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)))));
    JsonObject doc = new JsonObject(await(small.traceJson("t1", null)));
    assertEquals(true, doc.getBoolean("truncated"));
    assertEquals(3, doc.getInteger("span_count"));
    assertEquals("c", doc.getJsonObject("root").getJsonArray("children").getJsonObject(0).getString("id"));
    assertEquals(new JsonArray(), doc.getJsonObject("root").getJsonArray("children").getJsonObject(0)
        .getJsonArray("children"));
  }

  @Test
  void searchFiltersAndOrdersNewestFirst() {
    await(writer.write(List.of(
        message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)),
        message(TraceVerdict.COMPLETE, trace("t2", 1000, "acme", SpanStatus.ERROR, 500)),
        message(TraceVerdict.INCOMPLETE, trace("t3", 2000, "globex", SpanStatus.OK, 50)))));
    // A span name only t1 has.
    await(writer.write(List.of(new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 0, 0, 0, null, null,
        List.of(span("t1", "late", "r", "memory.recall", 3).withTenantId("acme"))))));

    assertEquals(List.of("t3", "t2", "t1"), traceIds(search()));
    assertEquals(List.of("t2", "t1"), traceIds(search("tenant_id", "acme")));
    assertEquals(List.of("t3"), traceIds(search("ticket_id", "TCK-globex")));
    assertEquals(List.of("t3"), traceIds(search("agent_id", "agent-globex")));
    assertEquals(List.of("t2"), traceIds(search("status", "error")));
    assertEquals(List.of("t3", "t1"), traceIds(search("status", "ok")));
    assertEquals(List.of("t2"), traceIds(search("min_duration_ms", "400")));
    assertEquals(List.of("t1"), traceIds(search("span_name", "memory.recall")));
    assertEquals(List.of("t3", "t2", "t1"), traceIds(search("span_name", "llm.chat")));
    assertEquals(List.of(), traceIds(search("span_name", "nothing.like.it")));
    assertEquals(List.of("t3"), traceIds(search("complete", "false")));
    assertEquals(List.of("t2", "t1"), traceIds(search("complete", "true")));
    assertEquals(List.of("t2"), traceIds(search("from", "2026-11-27T23:24:24.123Z", "to", "2026-11-27T23:24:25.123Z")));
    assertEquals(List.of("t1"), traceIds(search("tenant_id", "acme", "complete", "true", "status", "ok",
        "limit", "5")));
    assertEquals(List.of("t3"), traceIds(search("limit", "1")));

    JsonObject t2 = search("status", "error").getJsonArray("traces").getJsonObject(0);
    assertEquals("acme", t2.getString("tenant_id"));
    assertEquals("r", t2.getString("root_span_id"));
    assertEquals("agent.run", t2.getString("root_span_name"));
    assertEquals(3, t2.getInteger("span_count"));
    assertEquals(1, t2.getInteger("error_count"));
    assertEquals(true, t2.getBoolean("complete"));
    assertEquals("complete", t2.getString("verdict"));
    assertEquals(501, t2.getInteger("duration_ms"));
    assertNull(search().getValue("next_cursor"));
  }

  @Test
  void searchByServiceAttributeAndMaxDurationWithServicesAndTokenTotals() {
    long t0 = TestSpans.T0;
    Span api = new Span("r", "s1", null, "http.request", SpanKind.SERVER, SpanStatus.OK, t0, t0 + 900, 900L, "acme",
        "T-17", "a1", "{\"service.name\":\"Ticket-API\",\"method\":\"POST\"}", "[]", 0);
    Span llm1 = new Span("l1", "s1", "r", "llm.generate", SpanKind.CLIENT, SpanStatus.OK, t0 + 10, t0 + 300, 290L,
        "acme", null, null, "{\"service.name\":\"agent\",\"model\":\"claude-haiku\",\"tokens\":1200}", "[]", 0);
    Span llm2 = new Span("l2", "s1", "r", "llm.generate", SpanKind.CLIENT, SpanStatus.ERROR, t0 + 310, t0 + 400, 90L,
        "acme", null, null, "{\"service.name\":\"agent\",\"model\":\"claude-opus\",\"tokens\":34}", "[]", 0);
    Span other = new Span("r", "s2", null, "git.push", SpanKind.CLIENT, SpanStatus.OK, t0 + 1000, t0 + 1020, 20L,
        "acme", "T-18", "a1", "{\"branch\":\"main\"}", "[]", 0);
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(api, llm1, llm2)),
        message(TraceVerdict.COMPLETE, List.of(other)))));

    assertEquals(List.of("s1"), traceIds(search("service", "ticket-api")));
    assertEquals(List.of("s1"), traceIds(search("service", "TICKET-API")));
    assertEquals(List.of("s2"), traceIds(search("service", "unknown")));
    assertEquals(List.of(), traceIds(search("service", "nobody")));
    assertEquals(List.of("s1"), traceIds(search("attr", "model=claude-opus")));
    assertEquals(List.of("s1"), traceIds(search("attr", "tokens=1200")));
    assertEquals(List.of("s2"), traceIds(search("attr", "branch=main")));
    assertEquals(List.of(), traceIds(search("attr", "branch=dev")));
    assertEquals(List.of("s1"), traceIds(new JsonObject(await(queries.searchJson(TraceSearch.parse(Map.of("attr",
        List.of("model=claude-opus", "method=POST"))), null))))); // every term holds
    assertEquals(List.of(), traceIds(new JsonObject(await(queries.searchJson(TraceSearch.parse(Map.of("attr",
        List.of("model=claude-opus", "branch=main"))), null)))));
    assertEquals(List.of("s2"), traceIds(search("max_duration_ms", "100")));
    assertEquals(List.of("s1"), traceIds(search("min_duration_ms", "100", "max_duration_ms", "900")));

    JsonObject s1 = search("ticket_id", "T-17").getJsonArray("traces").getJsonObject(0);
    assertEquals(new JsonArray().add("agent").add("ticket-api"), s1.getJsonArray("services"));
    assertEquals(2, s1.getInteger("llm_calls"));
    assertEquals(1234, s1.getInteger("llm_tokens"));
    JsonObject s2 = search("ticket_id", "T-18").getJsonArray("traces").getJsonObject(0);
    assertEquals(new JsonArray().add("unknown"), s2.getJsonArray("services"));
    assertEquals(0, s2.getInteger("llm_calls"));
    assertEquals(0, s2.getInteger("llm_tokens"));
  }

  @Test
  void lateSpansCountWhatATraceGainedAfterItsFirstWriteAndReplaysDoNotInflateIt() {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)))));
    assertEquals(0, new JsonObject(await(queries.traceJson("t1", null))).getInteger("late_spans"));
    TraceRecord late = new TraceRecord("t1", TraceVerdict.LATE, 2, 0, 0, 0, 0, null, null,
        List.of(span("t1", "late1", "r", "memory.recall", 3).withTenantId("acme"), span("t1", "late2", "r", "memory.recall", 4).withTenantId("acme")));
    await(writer.write(List.of(late)));
    await(writer.write(List.of(late))); // a replay after a crash
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)))));
    JsonObject t1 = new JsonObject(await(queries.traceJson("t1", null)));
    assertEquals(5, t1.getInteger("span_count"));
    assertEquals(2, t1.getInteger("late_spans"));
    assertEquals(2, search("tenant_id", "acme").getJsonArray("traces").getJsonObject(0).getInteger("late_spans"));
  }

  @Test
  void cursorsPageThroughEverythingOnceInOrderEvenWithEqualStartTimes() {
    List<TraceRecord> batch = new ArrayList<>();
    for (int i = 0; i < 45; i++) {
      // Groups of five traces share a start time, so the trace_id tie-break matters.
      batch.add(message(TraceVerdict.COMPLETE, trace(String.format("t%02d", i), (i / 5) * 100L, "acme",
          SpanStatus.OK, 5)));
    }
    await(writer.write(batch));
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = cursor == null ? search("limit", "7") : search("limit", "7", "cursor", cursor);
      seen.addAll(traceIds(page));
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null);
    assertEquals(7, pages);
    List<String> expected = new ArrayList<>();
    for (int group = 8; group >= 0; group--) {
      for (int k = 4; k >= 0; k--) {
        expected.add(String.format("t%02d", group * 5 + k));
      }
    }
    assertEquals(expected, seen);
  }

  @Test
  void searchUsesTheSummaryIndexes() throws Exception {
    List<Object> params = new ArrayList<>();
    String newest = TraceQueryService.searchSql(TraceSearch.newest(20), null, params);
    String byTenant = TraceQueryService.searchSql(TraceSearch.parse(Map.of("tenant_id", List.of("a"),
        "cursor", List.of(new TraceCursor("2026-11-27T23:24:23.123Z", "t").encode()))), null, new ArrayList<>());
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      assertTrue(plan(s, newest.replace("?", "20")).contains("trace_summaries_by_start"), plan(s, newest.replace("?", "20")));
      String tenantPlan = plan(s, byTenant.replaceFirst("\\?", "'a'").replaceFirst("\\?", "'x'")
          .replaceFirst("\\?", "'t'").replaceFirst("\\?", "20"));
      assertTrue(tenantPlan.contains("trace_summaries_by_tenant"), tenantPlan);
      assertFalse(tenantPlan.contains("TEMP B-TREE"), tenantPlan); // no sort step: the index gives the order
      // Rare states have partial indexes of their own (V5), in the search's order.
      for (Map.Entry<String, String> e : Map.of("status", "error", "complete", "false").entrySet()) {
        String sql = TraceQueryService.searchSql(TraceSearch.parse(Map.of(e.getKey(), List.of(e.getValue()))),
            null, new ArrayList<>()).replace("?", "20");
        String p = plan(s, sql);
        assertTrue(p.contains(e.getKey().equals("status") ? "trace_summaries_with_errors" : "trace_summaries_incomplete"),
            e + ": " + p);
        assertFalse(p.contains("TEMP B-TREE"), e + ": " + p);
      }
    }
  }

  @Test
  @Timeout(60)
  void aRunawayReaderStatementIsInterrupted() throws Exception {
    ReaderDataSource readers = (ReaderDataSource) settings.readerDataSource(200);
    try (Connection c = readers.getConnection(); Statement s = c.createStatement()) {
      Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> {
        try (ResultSet rs = s.executeQuery(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")) {
          rs.next();
        }
      });
      assertTrue(String.valueOf(e.getMessage()).contains("interrupt"), String.valueOf(e));
      // The next statement gets a fresh deadline.
      try (ResultSet rs = s.executeQuery("SELECT 42")) {
        assertEquals(42, rs.getInt(1));
      }
      // Readers cannot write.
      Exception write = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> s.execute("CREATE TABLE x (a)"));
      assertTrue(String.valueOf(write.getMessage()).contains("readonly"), String.valueOf(write));
    }
  }

  @Test
  void readerResultsAnswerTheirMetadataAsTheDriverDoes() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)))));
    // Table columns, and expressions whose type changes from row to row (NULL, then INTEGER, then TEXT).
    String sql = "SELECT trace_id, duration_ms, attributes, start_time,"
        + " CASE id WHEN 'r' THEN NULL WHEN 'c' THEN 7 ELSE 'x' END, sum(duration_ms) OVER (ORDER BY id)"
        + " FROM agent_traces WHERE trace_id = ? ORDER BY id";
    ReaderDataSource readers = (ReaderDataSource) settings.readerDataSource(1000);
    try (Connection remembered = readers.getConnection(); Connection plain = settings.openConnection();
        java.sql.PreparedStatement a = remembered.prepareStatement(sql);
        java.sql.PreparedStatement b = plain.prepareStatement(sql)) {
      a.setString(1, "t1");
      b.setString(1, "t1");
      try (ResultSet ra = a.executeQuery(); ResultSet rb = b.executeQuery()) {
        int rows = 0;
        while (ra.next() && rb.next()) {
          for (int round = 0; round < 2; round++) { // the second round is answered from what was remembered
            java.sql.ResultSetMetaData ma = ra.getMetaData();
            java.sql.ResultSetMetaData mb = rb.getMetaData();
            assertEquals(mb.getColumnCount(), ma.getColumnCount());
            for (int c = 1; c <= mb.getColumnCount(); c++) {
              assertEquals(mb.getColumnLabel(c), ma.getColumnLabel(c));
              assertEquals(mb.getColumnType(c), ma.getColumnType(c), "type of column " + c);
              assertEquals(mb.getColumnTypeName(c), ma.getColumnTypeName(c), "type name of column " + c);
              assertEquals(mb.getColumnClassName(c), ma.getColumnClassName(c));
              assertEquals(rb.getObject(c), ra.getObject(c));
            }
          }
          rows++;
        }
        assertEquals(3, rows);
      }
    }
  }

  @Test
  void aPooledReaderConnectionIdleLongerThanTheTimeoutStillAnswers() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, trace("t1", 0, "acme", SpanStatus.OK, 5)))));
    io.vertx.sqlclient.Pool pool = io.vertx.jdbcclient.JDBCPool.pool(vertx, settings.readerDataSource(100),
        new io.vertx.sqlclient.PoolOptions().setMaxSize(1));
    try {
      TraceQueryService service = new TraceQueryService(vertx, pool, 100);
      assertEquals("t1", new JsonObject(await(service.traceJson("t1", null))).getString("trace_id"));
      Thread.sleep(250); // the time limit must count from each statement, not from the connection's last one
      assertEquals("t1", new JsonObject(await(service.traceJson("t1", null))).getString("trace_id"));
      assertEquals(1, new JsonObject(await(service.searchJson(TraceSearch.newest(5), null))).getJsonArray("traces").size());
    } finally {
      await(pool.close());
    }
  }

  private static String plan(Statement s, String sql) throws Exception {
    StringBuilder out = new StringBuilder();
    try (ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
      while (rs.next()) {
        out.append(rs.getString(4)).append('\n');
      }
    }
    return out.toString();
  }
}
