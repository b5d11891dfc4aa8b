package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterTest {

  @TempDir
  Path dir;

  private TestStore store;
  private SqliteSettings settings;
  private TraceWriter writer;

  @BeforeEach
  void open() {
    store = TestStore.open(dir.resolve("swarm.db"), 200, 1);
    settings = store.settings;
    writer = store.writer;
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void writesSpansAndASummaryFromTheMessage() throws Exception {
    List<Span> spans = List.of(
        span("t1", "r", null, "agent.run", 0),
        TestSpans.withStatus(span("t1", "a", "r", "llm.chat", 5), SpanStatus.ERROR),
        span("t1", "b", "a", "tool.search", 7));
    WriteResult result = await(writer.write(List.of(message(TraceVerdict.COMPLETE, spans))));
    assertEquals(new WriteResult(1, 3, 0), result);

    Map<String, String> row = query("SELECT * FROM agent_traces WHERE trace_id = 't1' AND id = 'a'").get(0);
    assertEquals("r", row.get("parent_span_id"));
    assertEquals("llm.chat", row.get("span_name"));
    assertEquals("internal", row.get("span_kind"));
    assertEquals("error", row.get("status"));
    assertEquals("2026-11-27T23:24:23.128Z", row.get("start_time"));
    assertEquals("2026-11-27T23:24:23.138Z", row.get("end_time"));
    assertEquals("10", row.get("duration_ms"));
    assertEquals("{\"k\":\"a\"}", row.get("attributes"));
    assertEquals("[]", row.get("events"));
    assertNull(query("SELECT parent_span_id FROM agent_traces WHERE id = 'r'").get(0).get("parent_span_id"));

    Map<String, String> summary = summary("t1");
    assertEquals("r", summary.get("root_span_id"));
    assertEquals("agent.run", summary.get("root_span_name"));
    assertEquals("2026-11-27T23:24:23.123Z", summary.get("start_time"));
    assertEquals("2026-11-27T23:24:23.140Z", summary.get("end_time"));
    assertEquals("17", summary.get("duration_ms"));
    assertEquals("3", summary.get("span_count"));
    assertEquals("1", summary.get("error_count"));
    assertEquals("1", summary.get("root_count"));
    assertEquals("0", summary.get("orphan_count"));
    assertEquals("1", summary.get("complete"));
    assertEquals("complete", summary.get("verdict"));
    assertEquals("tenant-1", summary.get("tenant_id"));
    assertEquals("TCK-1", summary.get("ticket_id"));
    assertEquals("agent-1", summary.get("agent_id"));
    assertEquals("2026-11-27T23:24:23.123Z", summary.get("first_seen"));
    assertEquals("2026-11-27T23:24:28.123Z", summary.get("emitted_at"));
  }

  @Test
  void ownersComeFromTheRootElseTheEarliestSpanThatHasThem() throws Exception {
    List<Span> spans = List.of(
        TestSpans.withOwners(span("t1", "r", null, "agent.run", 0), "acme", "TCK-root", null),
        TestSpans.withOwners(span("t1", "a", "r", "x", 9), "acme", "TCK-a", "agent-late"),
        TestSpans.withOwners(span("t1", "b", "r", "y", 3), "acme", "TCK-b", null));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, spans))));
    Map<String, String> summary = summary("t1");
    assertEquals("acme", summary.get("tenant_id"));
    assertEquals("TCK-root", summary.get("ticket_id"));
    assertEquals("agent-late", summary.get("agent_id"));
  }

  @Test
  void spansWithoutATenantJoinTheRootsTenantElseTheEarliestSpanThatNamesOne() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withOwners(span("t1", "r", null, "agent.run", 0), "acme", null, null),
        TestSpans.withOwners(span("t1", "a", "r", "x", 1), null, null, null))))));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withOwners(span("t2", "r", null, "agent.run", 0), null, null, null),
        TestSpans.withOwners(span("t2", "a", "r", "x", 9), "late-named", null, null),
        TestSpans.withOwners(span("t2", "b", "r", "y", 3), "early-named", null, null))))));
    assertEquals(List.of("acme"), column("SELECT DISTINCT tenant_id FROM agent_traces WHERE trace_id = 't1'"));
    assertEquals("2", summary("t1").get("span_count"));
    assertEquals("complete", summary("t1").get("verdict"));
    // t2's root names none: it joins the earliest named span's tenant; the other tenant's span is a trace of its own.
    assertEquals("early-named", query("SELECT tenant_id FROM agent_traces WHERE trace_id = 't2' AND id = 'r'").get(0)
        .get("tenant_id"));
    Map<String, String> early = query("SELECT * FROM trace_summaries WHERE trace_id = 't2' AND tenant_id = 'early-named'").get(0);
    assertEquals("2", early.get("span_count"));
    assertEquals("complete", early.get("verdict"));
    Map<String, String> late = query("SELECT * FROM trace_summaries WHERE trace_id = 't2' AND tenant_id = 'late-named'").get(0);
    assertEquals("1", late.get("span_count"));
    assertEquals("1", late.get("orphan_count"));
    assertEquals("incomplete", late.get("verdict"));
  }

  @Test
  void aLateSpanWithoutATenantJoinsTheTenantStoringItsTrace() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withOwners(span("t1", "r", null, "agent.run", 0), "acme", null, null))))));
    await(writer.write(List.of(message(TraceVerdict.LATE, List.of(
        TestSpans.withOwners(span("t1", "late", "r", "x", 5), null, null, null))))));
    assertEquals(List.of("acme"), column("SELECT DISTINCT tenant_id FROM agent_traces WHERE trace_id = 't1'"));
    assertEquals("2", summary("t1").get("span_count"));
    // Spans that never name a tenant are stored under none ('' in the key).
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withOwners(span("t9", "r", null, "agent.run", 0), null, null, null))))));
    assertEquals("", summary("t9").get("tenant_id"));
  }

  @Test
  void aSpanOfAnotherTenantNeverReplacesARowOrTheSummary() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withOwners(span("t1", "r", null, "agent.run", 0), "acme", "TCK-1", null),
        TestSpans.withOwners(span("t1", "a", "r", "llm.chat", 1), "acme", "TCK-1", null))))));
    // Another tenant posts the same (trace_id, id) with content of its own.
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        TestSpans.withStatus(TestSpans.withOwners(span("t1", "a", null, "forged", 1), "mallory", "TCK-X", null),
            SpanStatus.ERROR))))));
    Map<String, String> acmeRow = query("SELECT * FROM agent_traces WHERE trace_id = 't1' AND tenant_id = 'acme'"
        + " AND id = 'a'").get(0);
    assertEquals("llm.chat", acmeRow.get("span_name"));
    assertEquals("ok", acmeRow.get("status"));
    Map<String, String> acme = query("SELECT * FROM trace_summaries WHERE trace_id = 't1' AND tenant_id = 'acme'").get(0);
    assertEquals("2", acme.get("span_count"));
    assertEquals("0", acme.get("error_count"));
    assertEquals("TCK-1", acme.get("ticket_id"));
    assertEquals("complete", acme.get("verdict"));
    assertEquals("forged", query("SELECT * FROM agent_traces WHERE trace_id = 't1' AND tenant_id = 'mallory'").get(0)
        .get("span_name"));
    assertEquals("3", count("SELECT count(*) FROM agent_traces"));
  }

  private List<String> column(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    for (Map<String, String> row : query(sql)) {
      out.add(row.values().iterator().next());
    }
    return out;
  }

  @Test
  void aReplayedBatchUpdatesRowsAndNeverDuplicates() throws Exception {
    List<Span> spans = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, spans))));

    List<Span> changed = List.of(spans.get(0), TestSpans.withStatus(spans.get(1), SpanStatus.ERROR));
    WriteResult replay = await(writer.write(List.of(message(TraceVerdict.COMPLETE, changed))));
    assertEquals(1, replay.recomputedTraces());
    assertEquals("2", count("SELECT count(*) FROM agent_traces"));
    assertEquals("1", count("SELECT count(*) FROM trace_summaries"));
    assertEquals("error", query("SELECT status FROM agent_traces WHERE id = 'a'").get(0).get("status"));
    // The row is replaced in place of being duplicated; created_at is when it was last written.
    assertTrue(query("SELECT created_at FROM agent_traces WHERE id = 'a'").get(0).get("created_at")
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));    Map<String, String> summary = summary("t1");
    assertEquals("1", summary.get("error_count"));
    assertEquals("2", summary.get("span_count"));
    assertEquals("complete", summary.get("verdict"));
  }

  @Test
  void twoTracesUsingTheSameSpanIdKeepBothRows() throws Exception {
    await(writer.write(List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "1", null, "one", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("t2", "1", null, "two", 0))))));
    assertEquals("2", count("SELECT count(*) FROM agent_traces WHERE id = '1'"));
    assertEquals("one", summary("t1").get("root_span_name"));
    assertEquals("two", summary("t2").get("root_span_name"));
  }

  @Test
  void lateSpansMergeAndTheVerdictIsRecomputed() throws Exception {
    // b's parent c is missing: the aggregator gave up waiting.
    List<Span> first = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "b", "c", "tool.search", 4));
    await(writer.write(List.of(message(TraceVerdict.INCOMPLETE, first))));
    Map<String, String> before = summary("t1");
    assertEquals("incomplete", before.get("verdict"));
    assertEquals("1", before.get("orphan_count"));

    Span c = TestSpans.withStatus(span("t1", "c", "r", "llm.chat", 2), SpanStatus.ERROR);
    TraceRecord late = new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 0, 0, 0, TestSpans.T0 + 100,
        TestSpans.T0 + 9000, List.of(c));
    assertEquals(new WriteResult(1, 1, 1), await(writer.write(List.of(late))));

    Map<String, String> after = summary("t1");
    assertEquals("complete", after.get("verdict"));
    assertEquals("1", after.get("complete"));
    assertEquals("3", after.get("span_count"));
    assertEquals("0", after.get("orphan_count"));
    assertEquals("1", after.get("root_count"));
    assertEquals("1", after.get("error_count"));
    assertEquals("r", after.get("root_span_id"));
    // first_seen keeps the earliest; emitted_at the newest message's.
    assertEquals("2026-11-27T23:24:23.123Z", after.get("first_seen"));
    assertEquals("2026-11-27T23:24:32.123Z", after.get("emitted_at"));
  }

  @Test
  void aLateSpanThatLeavesTheTraceIncompleteKeepsTheEvictedVerdict() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.EVICTED, List.of(span("t1", "r", null, "agent.run", 0))))));
    TraceRecord late = new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 1, 0, 0, null, null,
        List.of(span("t1", "x", "missing", "x", 1)));
    await(writer.write(List.of(late)));
    Map<String, String> summary = summary("t1");
    assertEquals("evicted", summary.get("verdict"));
    assertEquals("0", summary.get("complete"));
    assertEquals("1", summary.get("orphan_count"));
    assertEquals("2", summary.get("span_count"));
  }

  @Test
  void aLateSpanThatBreaksACompleteTraceMakesItIncomplete() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))))));
    await(writer.write(List.of(new TraceRecord("t1", TraceVerdict.LATE, 1, 1, 0, 0, 0, null, null,
        List.of(span("t1", "r2", null, "second.root", 1))))));
    Map<String, String> summary = summary("t1");
    assertEquals("incomplete", summary.get("verdict"));
    assertEquals("2", summary.get("root_count"));
    assertEquals("r", summary.get("root_span_id")); // the earliest root
  }

  @Test
  void originalAndLateUpdateInOneBatchMerge() throws Exception {
    TraceRecord original = message(TraceVerdict.INCOMPLETE,
        List.of(span("t1", "r", null, "agent.run", 0), span("t1", "b", "c", "x", 4)));
    TraceRecord late = new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 0, 0, 0, null, null,
        List.of(span("t1", "c", "r", "y", 2)));
    TraceRecord other = message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "other", 0)));
    assertEquals(new WriteResult(2, 4, 1), await(writer.write(List.of(original, other, late))));
    assertEquals("complete", summary("t1").get("verdict"));
    assertEquals("3", summary("t1").get("span_count"));
    assertEquals("complete", summary("t2").get("verdict"));
  }

  @Test
  void aLateUpdateForAnUnknownTraceStillGetsASummary() throws Exception {
    await(writer.write(List.of(new TraceRecord("t9", TraceVerdict.LATE, 1, 0, 1, 0, 0, null, null,
        List.of(span("t9", "x", "gone", "x", 0))))));
    Map<String, String> summary = summary("t9");
    assertEquals("incomplete", summary.get("verdict"));
    assertNull(summary.get("root_span_id"));
    assertEquals("1", summary.get("orphan_count"));
  }

  @Test
  void aLockedDatabaseFailsTheWholeBatchAndCommitsNothing() throws Exception {
    List<TraceRecord> batch = List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "b", 0))));
    try (Connection other = settings.openConnection(); Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      Throwable failure = awaitFailure(writer.write(batch));
      assertTrue(String.valueOf(failure.getMessage()).contains("SQLITE_BUSY"), String.valueOf(failure));
      s.execute("ROLLBACK");
    }
    assertEquals("0", count("SELECT count(*) FROM agent_traces"));
    assertEquals(new WriteResult(2, 2, 0), await(writer.write(batch)));
    assertEquals("2", count("SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void aFailureInTheLastStatementRollsBackTheSpansToo() throws Exception {
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TRIGGER refuse_boom BEFORE INSERT ON trace_summaries WHEN NEW.trace_id = 'boom'"
          + " BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
    }
    List<TraceRecord> batch = List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("boom", "r", null, "b", 0))));
    for (int attempt = 0; attempt < 2; attempt++) {
      Throwable failure = awaitFailure(writer.write(batch));
      assertTrue(String.valueOf(failure.getMessage()).contains("refused by test trigger"), String.valueOf(failure));
      assertEquals("0", count("SELECT count(*) FROM agent_traces"));
      assertEquals("0", count("SELECT count(*) FROM trace_summaries"));
    }
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER refuse_boom");
    }
    assertEquals(new WriteResult(2, 2, 0), await(writer.write(batch)));
  }

  @Test
  void theIdleWriterHoldsNoLockThatWouldBlockOtherWriters() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))))));
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 0");
      s.execute("BEGIN IMMEDIATE"); // fails with SQLITE_BUSY if the writer kept a write transaction open
      s.execute("CREATE TABLE tenants (id TEXT PRIMARY KEY)");
      s.execute("COMMIT");
    }
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "a", 0))))));
    assertEquals("2", count("SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void largeBatchesUseOneParameterForTheTraceIdList() throws Exception {
    SyntheticTraces gen = new SyntheticTraces(1);
    List<TraceRecord> batch = new ArrayList<>();
    int spans = 0;
    for (int i = 0; i < 2000; i++) {
      List<Span> trace = gen.trace(3);
      spans += trace.size();
      batch.add(message(TraceVerdict.COMPLETE, trace));
    }
    assertEquals(new WriteResult(2000, spans, 0), await(writer.write(batch)));
    // Replaying the whole batch finds all 2000 summaries in the one lookup.
    assertEquals(new WriteResult(2000, spans, 2000), await(writer.write(batch)));
    assertEquals(Integer.toString(spans), count("SELECT count(*) FROM agent_traces"));
  }

  private Map<String, String> summary(String traceId) throws SQLException {
    List<Map<String, String>> rows = query("SELECT * FROM trace_summaries WHERE trace_id = '" + traceId + "'");
    assertEquals(1, rows.size(), "summary rows of " + traceId);
    return rows.get(0);
  }

  private String count(String sql) throws SQLException {
    return query(sql).get(0).values().iterator().next();
  }

  private List<Map<String, String>> query(String sql) throws SQLException {
    List<Map<String, String>> rows = new ArrayList<>();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
