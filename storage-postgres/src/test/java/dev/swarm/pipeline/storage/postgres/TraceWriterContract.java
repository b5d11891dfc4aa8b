package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.DAY;
import static dev.swarm.pipeline.storage.TestSpans.T0;
import static dev.swarm.pipeline.storage.TestSpans.late;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static dev.swarm.pipeline.storage.TestSpans.withJson;
import static dev.swarm.pipeline.storage.TestSpans.withName;
import static dev.swarm.pipeline.storage.TestSpans.withOwners;
import static dev.swarm.pipeline.storage.TestSpans.withStart;
import static dev.swarm.pipeline.storage.TestSpans.withStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.WriteResult;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trace writer's contract, written once and run against every storage backend (one subclass each): what a
 * batch leaves in the tables, read back through plain SQL by the backend's {@link StoreUnderTest}. The scenarios about
 * stored facts rather than SQLite's locks (storage-verticle's TraceWriterTest keeps those), and the ones PostgreSQL
 * makes hard (a span or a trace whose start moves, the same key twice in one batch, attributes JSONB would refuse,
 * times at the ends of the contract's range).
 */
abstract class TraceWriterContract {

  /** A new, empty store for one test. */
  protected abstract StoreUnderTest open() throws Exception;

  protected StoreUnderTest store;

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private WriteResult write(TraceRecord... messages) {
    return await(store.write(List.of(messages)));
  }

  @Test
  void writesSpansAndASummaryFromTheMessage() throws Exception {
    List<Span> spans = List.of(
        span("t1", "r", null, "agent.run", 0),
        withStatus(span("t1", "a", "r", "llm.chat", 5), SpanStatus.ERROR),
        span("t1", "b", "a", "tool.search", 7));
    assertEquals(new WriteResult(1, 3, 0), write(message(TraceVerdict.COMPLETE, spans)));

    Map<String, String> row = one("SELECT * FROM agent_traces WHERE trace_id = 't1' AND id = 'a'");
    assertEquals("r", row.get("parent_span_id"));
    assertEquals("llm.chat", row.get("span_name"));
    assertEquals("internal", row.get("span_kind"));
    assertEquals("error", row.get("status"));
    assertEquals("2026-11-27T23:24:23.128Z", row.get("start_time"));
    assertEquals("2026-11-27T23:24:23.138Z", row.get("end_time"));
    assertEquals("10", row.get("duration_ms"));
    assertEquals("tenant-1", row.get("tenant_id"));
    assertEquals("TCK-1", row.get("ticket_id"));
    assertEquals("agent-1", row.get("agent_id"));
    assertEquals("{\"k\":\"a\"}", row.get("attributes"));
    assertEquals("[]", row.get("events"));
    assertNotNull(row.get("created_at"));
    assertNull(one("SELECT parent_span_id FROM agent_traces WHERE id = 'r'").get("parent_span_id"));

    Map<String, String> summary = summary("t1");
    assertEquals("r", summary.get("root_span_id"));
    assertEquals("agent.run", summary.get("root_span_name"));
    assertEquals("2026-11-27T23:24:23.123Z", summary.get("start_time"));
    assertEquals("2026-11-27T23:24:23.140Z", summary.get("end_time"));
    assertEquals("17", summary.get("duration_ms"));
    assertEquals("3", summary.get("span_count"));
    assertEquals("3", summary.get("first_span_count"));
    assertEquals("1", summary.get("error_count"));
    assertEquals("1", summary.get("root_count"));
    assertEquals("0", summary.get("orphan_count"));
    assertEquals("0", summary.get("cycle_count"));
    assertEquals("1", summary.get("complete"));
    assertEquals("complete", summary.get("verdict"));
    assertEquals("tenant-1", summary.get("tenant_id"));
    assertEquals("TCK-1", summary.get("ticket_id"));
    assertEquals("agent-1", summary.get("agent_id"));
    assertEquals("2026-11-27T23:24:23.123Z", summary.get("first_seen"));
    assertEquals("2026-11-27T23:24:28.123Z", summary.get("emitted_at"));
    assertNotNull(summary.get("updated_at"));
  }

  @Test
  void anEmptyBatchWritesNothing() throws Exception {
    assertEquals(new WriteResult(0, 0, 0), await(store.write(List.of())));
    assertEquals("0", count("SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void ownersComeFromTheRootElseTheEarliestSpanThatHasThem() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(
        withOwners(span("t1", "r", null, "agent.run", 0), "acme", "TCK-root", null),
        withOwners(span("t1", "a", "r", "x", 9), "acme", "TCK-a", "agent-late"),
        withOwners(span("t1", "b", "r", "y", 3), "acme", "TCK-b", null))));
    Map<String, String> summary = summary("t1");
    assertEquals("acme", summary.get("tenant_id"));
    assertEquals("TCK-root", summary.get("ticket_id"));
    assertEquals("agent-late", summary.get("agent_id"));
  }

  @Test
  void spansWithoutATenantJoinTheRootsTenantElseTheEarliestSpanThatNamesOne() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(
        withOwners(span("t1", "r", null, "agent.run", 0), "acme", null, null),
        withOwners(span("t1", "a", "r", "x", 1), null, null, null))));
    write(message(TraceVerdict.COMPLETE, List.of(
        withOwners(span("t2", "r", null, "agent.run", 0), null, null, null),
        withOwners(span("t2", "a", "r", "x", 9), "late-named", null, null),
        withOwners(span("t2", "b", "r", "y", 3), "early-named", null, null))));
    assertEquals(List.of("acme"), column("SELECT DISTINCT tenant_id FROM agent_traces WHERE trace_id = 't1'"));
    assertEquals("2", summary("t1").get("span_count"));
    assertEquals("complete", summary("t1").get("verdict"));
    // t2's root names none: it joins the earliest named span's tenant; the other tenant's span is a trace of its own.
    assertEquals("early-named", one("SELECT tenant_id FROM agent_traces WHERE trace_id = 't2' AND id = 'r'")
        .get("tenant_id"));
    Map<String, String> early = one("SELECT * FROM trace_summaries WHERE trace_id = 't2' AND tenant_id = 'early-named'");
    assertEquals("2", early.get("span_count"));
    assertEquals("complete", early.get("verdict"));
    Map<String, String> lateNamed = one("SELECT * FROM trace_summaries WHERE trace_id = 't2' AND tenant_id = 'late-named'");
    assertEquals("1", lateNamed.get("span_count"));
    assertEquals("1", lateNamed.get("orphan_count"));
    assertEquals("incomplete", lateNamed.get("verdict"));
  }

  @Test
  void aLateSpanWithoutATenantJoinsTheTenantStoringItsTrace() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(withOwners(span("t1", "r", null, "agent.run", 0), "acme", null, null))));
    write(late(List.of(withOwners(span("t1", "late", "r", "x", 5), null, null, null))));
    assertEquals(List.of("acme"), column("SELECT DISTINCT tenant_id FROM agent_traces WHERE trace_id = 't1'"));
    assertEquals("2", summary("t1").get("span_count"));
    // When two tenants store the trace id, it joins the one with the most spans.
    write(message(TraceVerdict.COMPLETE, List.of(withOwners(span("t1", "r", null, "agent.run", 0), "zeta", null, null),
        withOwners(span("t1", "z1", "r", "x", 1), "zeta", null, null),
        withOwners(span("t1", "z2", "r", "x", 2), "zeta", null, null))));
    write(late(List.of(withOwners(span("t1", "late2", "r", "x", 6), null, null, null))));
    assertEquals("4", one("SELECT span_count FROM trace_summaries WHERE trace_id = 't1' AND tenant_id = 'zeta'")
        .get("span_count"));
    // Spans that never name a tenant are stored under none ('' in the key).
    write(message(TraceVerdict.COMPLETE, List.of(withOwners(span("t9", "r", null, "agent.run", 0), null, null, null))));
    assertEquals("", summary("t9").get("tenant_id"));
  }

  @Test
  void aSpanOfAnotherTenantNeverReplacesARowOrTheSummary() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(
        withOwners(span("t1", "r", null, "agent.run", 0), "acme", "TCK-1", null),
        withOwners(span("t1", "a", "r", "llm.chat", 1), "acme", "TCK-1", null))));
    // Another tenant posts the same (trace_id, id) with content of its own.
    write(message(TraceVerdict.COMPLETE, List.of(
        withStatus(withOwners(span("t1", "a", null, "forged", 1), "mallory", "TCK-X", null), SpanStatus.ERROR))));
    Map<String, String> acmeRow = one("SELECT * FROM agent_traces WHERE trace_id = 't1' AND tenant_id = 'acme'"
        + " AND id = 'a'");
    assertEquals("llm.chat", acmeRow.get("span_name"));
    assertEquals("ok", acmeRow.get("status"));
    Map<String, String> acme = one("SELECT * FROM trace_summaries WHERE trace_id = 't1' AND tenant_id = 'acme'");
    assertEquals("2", acme.get("span_count"));
    assertEquals("0", acme.get("error_count"));
    assertEquals("TCK-1", acme.get("ticket_id"));
    assertEquals("complete", acme.get("verdict"));
    assertEquals("forged", one("SELECT * FROM agent_traces WHERE trace_id = 't1' AND tenant_id = 'mallory'")
        .get("span_name"));
    assertEquals("3", count("SELECT count(*) FROM agent_traces"));
    assertEquals("2", count("SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void aReplayedBatchUpdatesRowsAndNeverDuplicates() throws Exception {
    List<Span> spans = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1));
    write(message(TraceVerdict.COMPLETE, spans));
    write(message(TraceVerdict.COMPLETE, spans)); // a Kafka replay: the same record again

    List<Span> changed = List.of(spans.get(0), withStatus(spans.get(1), SpanStatus.ERROR));
    WriteResult replay = write(message(TraceVerdict.COMPLETE, changed));
    assertEquals(new WriteResult(1, 2, 1), replay);
    assertEquals("2", count("SELECT count(*) FROM agent_traces"));
    assertEquals("1", count("SELECT count(*) FROM trace_summaries"));
    assertEquals("error", one("SELECT status FROM agent_traces WHERE id = 'a'").get("status"));
    Map<String, String> summary = summary("t1");
    assertEquals("1", summary.get("error_count"));
    assertEquals("2", summary.get("span_count"));
    assertEquals("2", summary.get("first_span_count"));
    assertEquals("complete", summary.get("verdict"));
  }

  @Test
  void theSameSpanTwiceInOneBatchIsOneRowWithItsLastValues() throws Exception {
    Span a = span("t1", "a", "r", "x", 1);
    TraceRecord first = message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0), a));
    TraceRecord again = late(List.of(withJson(withStatus(a, SpanStatus.ERROR), "{\"k\":\"second\"}", "[]", 0)));
    assertEquals(new WriteResult(1, 3, 1), write(first, again));
    assertEquals("2", count("SELECT count(*) FROM agent_traces"));
    Map<String, String> row = one("SELECT * FROM agent_traces WHERE id = 'a'");
    assertEquals("error", row.get("status"));
    assertEquals("{\"k\":\"second\"}", row.get("attributes"));
    assertEquals("1", summary("t1").get("error_count"));
    assertEquals("2", summary("t1").get("span_count"));
    // And with two start times (a client that sent it twice): the last wins, one row.
    Span b = span("t2", "b", null, "x", 0);
    write(message(TraceVerdict.COMPLETE, List.of(b)), late(List.of(withStart(b, T0 - DAY))));
    assertEquals(List.of("2026-11-26T23:24:23.123Z"), column("SELECT start_time FROM agent_traces WHERE trace_id = 't2'"));
  }

  @Test
  void aSpanSentAgainWithAnotherStartTimeIsStillOneRow() throws Exception {
    List<Span> spans = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1));
    write(message(TraceVerdict.COMPLETE, spans));
    // A client sends span a again, starting an hour later: the next day, another partition in PostgreSQL.
    Span moved = withStart(spans.get(1), T0 + 3_600_000);
    assertEquals(new WriteResult(1, 1, 1), write(late(List.of(moved))));
    assertEquals(List.of("2026-11-28T00:24:23.123Z"), column("SELECT start_time FROM agent_traces WHERE id = 'a'"));
    assertEquals("2", count("SELECT count(*) FROM agent_traces"));
    Map<String, String> summary = summary("t1");
    assertEquals("2", summary.get("span_count"));
    assertEquals("2026-11-28T00:24:23.133Z", summary.get("end_time"));
    // And back, in a batch of its own with the whole trace again.
    write(message(TraceVerdict.COMPLETE, spans));
    assertEquals(List.of("2026-11-27T23:24:23.124Z"), column("SELECT start_time FROM agent_traces WHERE id = 'a'"));
    assertEquals("2026-11-27T23:24:23.134Z", summary("t1").get("end_time"));
  }

  @Test
  void aLateSpanThatStartsTheDayBeforeMovesTheSummarysStart() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))));
    Span early = span("t1", "early", "r", "x", -DAY);
    assertEquals(new WriteResult(1, 1, 1), write(late(List.of(early))));
    assertEquals("1", count("SELECT count(*) FROM trace_summaries"));
    Map<String, String> summary = summary("t1");
    assertEquals("2026-11-26T23:24:23.123Z", summary.get("start_time"));
    assertEquals("2026-11-27T23:24:23.133Z", summary.get("end_time"));
    assertEquals(Long.toString(DAY + 10), summary.get("duration_ms"));
    assertEquals("2", summary.get("span_count"));
    assertEquals("1", summary.get("first_span_count"));
    assertEquals("complete", summary.get("verdict"));
    // And a root sent again later than the day: the start moves forward to the early span's.
    write(late(List.of(withStart(span("t1", "r", null, "agent.run", 0), T0 + 2 * DAY))));
    assertEquals("2026-11-26T23:24:23.123Z", summary("t1").get("start_time"));
    assertEquals("2026-11-29T23:24:23.133Z", summary("t1").get("end_time"));
  }

  @Test
  void twoTracesUsingTheSameSpanIdKeepBothRows() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "1", null, "one", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("t2", "1", null, "two", 0))));
    assertEquals("2", count("SELECT count(*) FROM agent_traces WHERE id = '1'"));
    assertEquals("one", summary("t1").get("root_span_name"));
    assertEquals("two", summary("t2").get("root_span_name"));
  }

  @Test
  void lateSpansMergeAndTheVerdictIsRecomputed() throws Exception {
    // b's parent c is missing: the aggregator gave up waiting.
    write(message(TraceVerdict.INCOMPLETE, List.of(span("t1", "r", null, "agent.run", 0),
        span("t1", "b", "c", "tool.search", 4))));
    Map<String, String> before = summary("t1");
    assertEquals("incomplete", before.get("verdict"));
    assertEquals("1", before.get("orphan_count"));

    Span c = withStatus(span("t1", "c", "r", "llm.chat", 2), SpanStatus.ERROR);
    TraceRecord lateC = new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 0, 0, 0, T0 + 100, T0 + 9000, List.of(c));
    assertEquals(new WriteResult(1, 1, 1), write(lateC));

    Map<String, String> after = summary("t1");
    assertEquals("complete", after.get("verdict"));
    assertEquals("1", after.get("complete"));
    assertEquals("3", after.get("span_count"));
    assertEquals("2", after.get("first_span_count"));
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
    write(message(TraceVerdict.EVICTED, List.of(span("t1", "r", null, "agent.run", 0))));
    write(new TraceRecord("t1", TraceVerdict.LATE, 1, 0, 1, 0, 0, null, null,
        List.of(span("t1", "x", "missing", "x", 1))));
    Map<String, String> summary = summary("t1");
    assertEquals("evicted", summary.get("verdict"));
    assertEquals("0", summary.get("complete"));
    assertEquals("1", summary.get("orphan_count"));
    assertEquals("2", summary.get("span_count"));
    // Neither message said when: first_seen and emitted_at stay the first's.
    assertEquals("2026-11-27T23:24:23.123Z", summary.get("first_seen"));
    assertEquals("2026-11-27T23:24:28.123Z", summary.get("emitted_at"));
  }

  @Test
  void aLateSpanThatBreaksACompleteTraceMakesItIncomplete() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))));
    write(new TraceRecord("t1", TraceVerdict.LATE, 1, 1, 0, 0, 0, null, null,
        List.of(span("t1", "r2", null, "second.root", 1))));
    Map<String, String> summary = summary("t1");
    assertEquals("incomplete", summary.get("verdict"));
    assertEquals("2", summary.get("root_count"));
    assertEquals("r", summary.get("root_span_id")); // the earliest root
  }

  @Test
  void originalAndLateUpdateInOneBatchMerge() throws Exception {
    TraceRecord original = message(TraceVerdict.INCOMPLETE,
        List.of(span("t1", "r", null, "agent.run", 0), span("t1", "b", "c", "x", 4)));
    TraceRecord lateC = late(List.of(span("t1", "c", "r", "y", 2)));
    TraceRecord other = message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "other", 0)));
    assertEquals(new WriteResult(2, 4, 1), write(original, other, lateC));
    assertEquals("complete", summary("t1").get("verdict"));
    assertEquals("3", summary("t1").get("span_count"));
    assertEquals("complete", summary("t2").get("verdict"));
  }

  @Test
  void theSameTraceTwiceInOneBatchIsRecomputedFromItsSpans() throws Exception {
    // Two messages of one trace (the aggregator emitted it, then a part that came after eviction).
    TraceRecord first = message(TraceVerdict.EVICTED, List.of(span("t1", "r", null, "agent.run", 0)));
    TraceRecord second = message(TraceVerdict.INCOMPLETE, List.of(span("t1", "x", "gone", "x", 3)));
    assertEquals(new WriteResult(1, 2, 1), write(first, second));
    Map<String, String> summary = summary("t1");
    assertEquals("incomplete", summary.get("verdict")); // the newest non-late message's
    assertEquals("2", summary.get("span_count"));
    assertEquals("1", summary.get("orphan_count"));
    assertEquals("2", summary.get("first_span_count"));
  }

  @Test
  void aLateUpdateForAnUnknownTraceStillGetsASummary() throws Exception {
    write(new TraceRecord("t9", TraceVerdict.LATE, 1, 0, 1, 0, 0, null, null, List.of(span("t9", "x", "gone", "x", 0))));
    Map<String, String> summary = summary("t9");
    assertEquals("incomplete", summary.get("verdict"));
    assertNull(summary.get("root_span_id"));
    assertEquals("1", summary.get("orphan_count"));
    assertNull(summary.get("first_seen"));
  }

  @Test
  void aFailureInTheLastStatementRollsBackTheSpansToo() throws Exception {
    store.refuseSummariesOf("boom");
    List<TraceRecord> batch = List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("boom", "r", null, "b", 0))));
    for (int attempt = 0; attempt < 2; attempt++) {
      Throwable failure = awaitFailure(store.write(batch));
      assertTrue(String.valueOf(failure.getMessage()).contains("refused by test trigger"), String.valueOf(failure));
      assertEquals("0", count("SELECT count(*) FROM agent_traces"));
      assertEquals("0", count("SELECT count(*) FROM trace_summaries"));
      assertEquals("0", count("SELECT count(*) FROM trace_services"));
    }
    store.allowSummaries();
    assertEquals(new WriteResult(2, 2, 0), await(store.write(batch)));
    // The service index rows of the failed attempts were not remembered as written.
    assertEquals(List.of("tenant-1/unknown/a", "tenant-1/unknown/b"), spanNames());
  }

  @Test
  void largeBatchesFindEveryStoredSummaryWhenReplayed() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    List<TraceRecord> batch = new ArrayList<>();
    int spans = 0;
    for (int i = 0; i < 2000; i++) {
      String traceId = String.format("%032x", random.nextLong() & Long.MAX_VALUE);
      String tenant = "tenant-" + (i % 20); // the lookup finds each trace id's tenants among many
      List<Span> trace = List.of(withOwners(span(traceId, "r", null, "agent.run", i), tenant, null, null),
          withOwners(span(traceId, "a", "r", "x", i + 1), tenant, null, null),
          withOwners(span(traceId, "b", "a", "y", i + 2), tenant, null, null));
      spans += trace.size();
      batch.add(message(TraceVerdict.COMPLETE, trace));
    }
    assertEquals(new WriteResult(2000, spans, 0), await(store.write(batch)));
    // Replaying the whole batch finds all 2000 summaries in the one lookup.
    assertEquals(new WriteResult(2000, spans, 2000), await(store.write(batch)));
    assertEquals(Integer.toString(spans), count("SELECT count(*) FROM agent_traces"));
    assertEquals("2000", count("SELECT count(*) FROM trace_summaries WHERE span_count = 3 AND verdict = 'complete'"));
  }

  @Test
  void attributesAndEventsComeBackByteForByte() throws Exception {
    // What SpanDecoder keeps and JSONB would refuse or rewrite: an escaped NUL, unpaired surrogates (as escapes),
    // numbers beyond any numeric type and their exact text, key order, an escaped backslash before a u, non-ASCII
    // characters and a pair of surrogates as characters, and nesting at the contract's limit of 1000.
    String odd = "{\"z\":1,\"a\":\"a\\u0000b\",\"s\":\"\\uD800\",\"lo\":\"x\\uDC00\",\"n\":1e200000,\"m\":1e400,"
        + "\"f\":2.50,\"bs\":\"\\\\u0000\",\"ctl\":\"\\u0001\\n\",\"text\":\"grüße ✓ 😀\",\"service.name\":\"API\","
        + "\"deep\":" + "[".repeat(998) + "]".repeat(998) + "}";
    String events = "[{\"name\":\"e\\u0000\",\"time\":\"2026-11-27T23:24:23.123Z\",\"attributes\":{\"b\":1,\"a\":\"\\uDBFF\"}}]";
    Span s = withJson(span("t1", "r", null, "agent.run", 0), odd, events, 1);
    Span plain = span("t1", "p", "r", "x", 1);
    assertEquals(new WriteResult(1, 2, 0), write(message(TraceVerdict.COMPLETE, List.of(s, plain))));
    Map<String, String> row = one("SELECT attributes, events FROM agent_traces WHERE id = 'r'");
    assertEquals(odd, row.get("attributes"));
    assertEquals(events, row.get("events"));
    assertEquals("{\"k\":\"p\"}", one("SELECT attributes FROM agent_traces WHERE id = 'p'").get("attributes"));
    // Replayed, the same text again; the service index read the service.name.
    write(message(TraceVerdict.COMPLETE, List.of(s, plain)));
    assertEquals(odd, one("SELECT attributes FROM agent_traces WHERE id = 'r'").get("attributes"));
    assertEquals(List.of("tenant-1/api/agent.run", "tenant-1/unknown/x"), spanNames());
  }

  @Test
  void spanNamesKeepWhatTheBackendCanHold() throws Exception {
    String name = "tool\u0000run \u00e9\u0007 \ud83d\ude00";
    write(message(TraceVerdict.COMPLETE, List.of(withName(span("t1", "r", null, "x", 0), name))));
    assertEquals(store.storedText(name), one("SELECT span_name FROM agent_traces WHERE id = 'r'").get("span_name"));
    assertEquals(store.storedText(name), summary("t1").get("root_span_name"));
  }

  @Test
  void spansAtTheEndsOfTheContractsTimeRangeAreStored() throws Exception {
    Span first = new Span("old", "t-old", null, "x", SpanKind.SERVER, SpanStatus.OK, Timestamps.MIN_EPOCH_MILLIS,
        Timestamps.MIN_EPOCH_MILLIS + 1, 1L, "acme", null, null, "{}", "[]", 0);
    Span last = new Span("new", "t-new", null, "x", SpanKind.SERVER, SpanStatus.OK, Timestamps.MAX_EPOCH_MILLIS,
        null, null, "acme", null, null, "{}", "[]", 0);
    assertEquals(new WriteResult(2, 2, 0), write(message(TraceVerdict.COMPLETE, List.of(first)),
        message(TraceVerdict.COMPLETE, List.of(last))));
    assertEquals("0000-01-01T00:00:00.000Z", summary("t-old").get("start_time"));
    assertEquals("0000-01-01T00:00:00.001Z", summary("t-old").get("end_time"));
    assertEquals("9999-12-31T23:59:59.999Z", summary("t-new").get("start_time"));
    assertNull(summary("t-new").get("end_time"));
    // A late span recomputes from what was read back: the times survive the round trip.
    write(late(List.of(new Span("old2", "t-old", "old", "y", SpanKind.SERVER, SpanStatus.OK,
        Timestamps.MIN_EPOCH_MILLIS + 5, null, 3L, "acme", null, null, "{}", "[]", 0))));
    Map<String, String> old = summary("t-old");
    assertEquals("0000-01-01T00:00:00.000Z", old.get("start_time"));
    assertEquals("0000-01-01T00:00:00.008Z", old.get("end_time"));
    assertEquals("2", old.get("span_count"));
    // The late span's service row is at its own start, as for any late span.
    assertEquals(List.of("acme/unknown/t-new/9999-12-31T23:59:59.999Z", "acme/unknown/t-old/0000-01-01T00:00:00.000Z",
        "acme/unknown/t-old/0000-01-01T00:00:00.005Z"), traceServices());
  }

  @Test
  void theServiceIndexHasEachTenantsServicesSpanNamesAndEarliestStartPerTrace() throws Exception {
    String api = "{\"service.name\":\"Api\"}";
    write(message(TraceVerdict.COMPLETE, List.of(
        withJson(span("t1", "r", null, "GET /x", 5), api, "[]", 0),
        withJson(span("t1", "a", "r", "get /x", 3), api, "[]", 0),
        span("t1", "b", "r", "db", 4))),
        message(TraceVerdict.COMPLETE, List.of(withOwners(withJson(span("t2", "r", null, "GET /x", 0), api, "[]", 0),
            "other", null, null))));
    assertEquals(List.of("other/api/get /x", "tenant-1/api/get /x", "tenant-1/unknown/db"), spanNames());
    assertEquals(List.of("other/api/t2/2026-11-27T23:24:23.123Z", "tenant-1/api/t1/2026-11-27T23:24:23.126Z",
        "tenant-1/unknown/t1/2026-11-27T23:24:23.127Z"), traceServices());
    // A late span that starts earlier adds a row at its start (the search collapses them); a replay adds nothing.
    write(late(List.of(withJson(span("t1", "c", "r", "GET /x", 1), api, "[]", 0))));
    write(late(List.of(withJson(span("t1", "c", "r", "GET /x", 1), api, "[]", 0))));
    assertEquals(List.of("other/api/t2/2026-11-27T23:24:23.123Z", "tenant-1/api/t1/2026-11-27T23:24:23.124Z",
        "tenant-1/api/t1/2026-11-27T23:24:23.126Z", "tenant-1/unknown/t1/2026-11-27T23:24:23.127Z"), traceServices());
  }

  @Test
  void theServiceIndexKeepsAtMostAThousandSpanNamesPerServiceOfATenant() throws Exception {
    String api = "{\"service.name\":\"api\"}";
    write(message(TraceVerdict.COMPLETE, names("t1", "acme", api, 0, 998)));
    write(message(TraceVerdict.COMPLETE, names("t2", "acme", api, 990, 1005))); // 8 known, 7 new: 2 fit
    write(message(TraceVerdict.COMPLETE, names("t3", "globex", api, 0, 3)));
    assertEquals("1000", count("SELECT count(*) FROM service_span_names WHERE tenant_id = 'acme'"));
    assertEquals(List.of("n0998", "n0999"), column("SELECT span_name FROM service_span_names"
        + " WHERE tenant_id = 'acme' AND span_name >= 'n0998' ORDER BY span_name"));
    assertEquals("3", count("SELECT count(*) FROM service_span_names WHERE tenant_id = 'globex'"));
    // Spans past the cap are stored all the same.
    assertEquals("15", count("SELECT count(*) FROM agent_traces WHERE trace_id = 't2'"));
  }

  /** One trace of spans named n{from}..n{to - 1} (a root and its children), of one tenant and service. */
  private static List<Span> names(String traceId, String tenant, String attributes, int from, int to) {
    List<Span> spans = new ArrayList<>();
    for (int i = from; i < to; i++) {
      spans.add(withOwners(withJson(span(traceId, "s" + i, i == from ? null : "s" + from, String.format("n%04d", i), i),
          attributes, "[]", 0), tenant, null, null));
    }
    return spans;
  }

  // ---- reads ----

  private List<String> spanNames() throws SQLException {
    List<String> out = new ArrayList<>();
    for (Map<String, String> r : store.query("SELECT tenant_id, service_name, span_name FROM service_span_names"
        + " ORDER BY tenant_id, service_name, span_name")) {
      out.add(r.get("tenant_id") + "/" + r.get("service_name") + "/" + r.get("span_name"));
    }
    return out;
  }

  private List<String> traceServices() throws SQLException {
    List<String> out = new ArrayList<>();
    for (Map<String, String> r : store.query("SELECT tenant_id, service_name, trace_id, start_time FROM trace_services"
        + " ORDER BY tenant_id, service_name, trace_id, start_time")) {
      out.add(r.get("tenant_id") + "/" + r.get("service_name") + "/" + r.get("trace_id") + "/" + r.get("start_time"));
    }
    return out;
  }

  protected Map<String, String> summary(String traceId) throws SQLException {
    List<Map<String, String>> rows = store.query("SELECT * FROM trace_summaries WHERE trace_id = ?", traceId);
    assertEquals(1, rows.size(), "summary rows of " + traceId + ": " + rows);
    return rows.get(0);
  }

  protected Map<String, String> one(String sql) throws SQLException {
    List<Map<String, String>> rows = store.query(sql);
    assertEquals(1, rows.size(), sql + ": " + rows);
    return rows.get(0);
  }

  protected String count(String sql) throws SQLException {
    return one(sql).values().iterator().next();
  }

  protected List<String> column(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    for (Map<String, String> row : store.query(sql)) {
      out.add(row.values().iterator().next());
    }
    return out;
  }
}
