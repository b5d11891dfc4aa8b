package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention deletes whole traces by the age of their last write, and the least recently written ones by size. */
class TraceRetentionTest {

  @TempDir Path dir;
  private TestStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void deletesWholeTracesLastWrittenBeforeTheRetentionAndKeepsNewerOnes() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        withService(span("old", "r", null, "agent.run", 0), "Billing"), span("old", "c", "r", "llm.chat", 5))))));
    long oldWritten = updatedAt("old");
    // Storage's clock, not span times: the newer trace carries older span timestamps and is still kept.
    clockPast(oldWritten + 2);
    await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(
        withService(span("new", "r", null, "agent.run", -86_400_000), "billing"))))));
    long newWritten = updatedAt("new");
    assertTrue(newWritten > oldWritten);
    // One row per service: "billing" (lower-cased) and "unknown" for the span without service.name.
    assertEquals(2, count("SELECT count(*) FROM trace_services WHERE trace_id = 'old'"));

    long maxAge = 60_000;
    // The cutoff (now - maxAge) falls between the two writes.
    TraceRetention retention = new TraceRetention(new RetentionConfig(maxAge, 0, 1000, 50), () -> newWritten + maxAge);
    TraceRetention.Step step = await(store.writer.inTransaction(retention::step));

    assertEquals(1, step.traces());
    assertEquals(2, step.spans());
    assertFalse(step.more());
    assertEquals(newWritten, step.oldestWriteMillis());
    assertEquals(0, count("SELECT count(*) FROM agent_traces WHERE trace_id = 'old'"));
    assertEquals(0, count("SELECT count(*) FROM trace_summaries WHERE trace_id = 'old'"));
    assertEquals(0, count("SELECT count(*) FROM trace_services WHERE trace_id = 'old'"));
    assertEquals(1, count("SELECT count(*) FROM agent_traces WHERE trace_id = 'new'"));
    assertEquals(1, count("SELECT count(*) FROM trace_summaries WHERE trace_id = 'new'"));
    assertEquals(1, count("SELECT count(*) FROM trace_services WHERE trace_id = 'new'"));
  }

  @Test
  void aLateWriteMakesATraceYoungAgain() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t", "r", null, "agent.run", 0))))));
    long first = updatedAt("t");
    clockPast(first + 2);
    await(store.writer.write(List.of(message(TraceVerdict.LATE, List.of(span("t", "late", "r", "x", 1))))));
    long second = updatedAt("t");
    TraceRetention retention = new TraceRetention(new RetentionConfig(1000, 0, 1000, 50), () -> first + 1000 + 1);

    TraceRetention.Step step = await(store.writer.inTransaction(retention::step));

    assertEquals(0, step.traces());
    assertEquals(second, step.oldestWriteMillis());
    assertEquals(2, count("SELECT count(*) FROM agent_traces WHERE trace_id = 't'"));
  }

  @Test
  void overTheSizeBoundTheLeastRecentlyWrittenTracesGoUntilUnderIt() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    SyntheticTraces traces = new SyntheticTraces(7);
    List<String> order = new ArrayList<>();
    long written = 0;
    for (int b = 0; b < 40; b++) {
      List<TraceRecord> batch = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        List<Span> spans = traces.trace();
        written += spans.size();
        order.add(spans.get(0).traceId());
        batch.add(message(TraceVerdict.COMPLETE, spans));
      }
      await(store.writer.write(batch));
      long last = updatedAt(order.get(order.size() - 1));
      clockPast(last + 1); // distinct write times per batch
    }
    long maxBytes = RetentionConfig.MIN_MAX_BYTES;
    RetentionConfig config = new RetentionConfig(0, maxBytes, 1000, 50);
    assertTrue(usedBytes() > config.highWaterBytes(), "the test must start over the bound: " + usedBytes());
    TraceRetention retention = new TraceRetention(config, System::currentTimeMillis);
    long deletedTraces = 0;
    long deletedSpans = 0;
    TraceRetention.Step step;
    int steps = 0;
    do {
      step = await(store.writer.inTransaction(retention::step));
      deletedTraces += step.traces();
      deletedSpans += step.spans();
      steps++;
    } while (step.more() && steps < 1000);

    assertTrue(usedBytes() <= config.lowWaterBytes(), "pages in use " + usedBytes() + " over " + config.lowWaterBytes());
    long left = count("SELECT count(*) FROM trace_summaries");
    assertEquals(order.size(), left + deletedTraces);
    assertEquals(written, deletedSpans + count("SELECT count(*) FROM agent_traces"),
        "every span is stored or counted as deleted");
    // Oldest first: what is left is the most recently written suffix.
    for (String id : order.subList(0, (int) deletedTraces)) {
      assertEquals(0, count("SELECT count(*) FROM trace_summaries WHERE trace_id = '" + id + "'"), id);
    }
    for (String id : order.subList((int) deletedTraces, order.size())) {
      assertEquals(1, count("SELECT count(*) FROM trace_summaries WHERE trace_id = '" + id + "'"), id);
    }
    // Another step under the bound deletes nothing.
    assertEquals(0, await(store.writer.inTransaction(retention::step)).traces());
  }

  @Test
  void newFilesGiveFreePagesBackBeyondTheSlack() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    assertEquals(2, count("PRAGMA auto_vacuum"), "new files are created with auto_vacuum=INCREMENTAL");
    SyntheticTraces traces = new SyntheticTraces(11);
    for (int b = 0; b < 20; b++) {
      List<TraceRecord> batch = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        batch.add(message(TraceVerdict.COMPLETE, traces.trace()));
      }
      await(store.writer.write(batch));
    }
    long pagesBefore = count("PRAGMA page_count");
    // Everything has expired: delete it all, then vacuum. Slack: 4% of 4 MiB.
    RetentionConfig config = new RetentionConfig(1000, RetentionConfig.MIN_MAX_BYTES, 1000, 1000);
    TraceRetention retention = new TraceRetention(config, () -> System.currentTimeMillis() + 10_000);
    TraceRetention.Step step;
    do {
      step = await(store.writer.inTransaction(retention::step));
    } while (step.more());
    assertEquals(0, count("SELECT count(*) FROM agent_traces"));
    long pageSize = count("PRAGMA page_size");
    long given = await(store.writer.inTransaction(retention::vacuum));
    assertEquals(TraceRetention.MAX_VACUUM_PAGES_PER_STEP * pageSize, given, "one step gives back a whole step's pages");
    long n;
    while ((n = await(store.writer.inTransaction(retention::vacuum))) > 0) {
      given += n;
    }
    long freeBytes = count("PRAGMA freelist_count") * count("PRAGMA page_size");
    assertTrue(given > 0);
    assertTrue(freeBytes <= config.freeSlackBytes() + count("PRAGMA page_size"), "free bytes left " + freeBytes);
    assertTrue(count("PRAGMA page_count") < pagesBefore / 2, count("PRAGMA page_count") + " of " + pagesBefore);
  }

  @Test
  void stepSizeShrinksWhenAStepTakesLongerThanItsTarget() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    SyntheticTraces traces = new SyntheticTraces(3);
    List<TraceRecord> batch = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      batch.add(message(TraceVerdict.COMPLETE, traces.trace()));
    }
    await(store.writer.write(batch));
    AtomicLong now = new AtomicLong(System.currentTimeMillis() + 10_000);
    // A 1 ms target: any real deletion of 256 traces takes longer.
    TraceRetention retention = new TraceRetention(new RetentionConfig(1000, 0, 1000, 1), now::get);
    int before = retention.stepTraces();
    TraceRetention.Step step = await(store.writer.inTransaction(retention::step));
    assertEquals(before, step.traces());
    assertTrue(step.more());
    assertTrue(retention.stepTraces() < before, "step size " + retention.stepTraces());
  }

  private static Span withService(Span s, String service) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), s.spanName(), SpanKind.SERVER, SpanStatus.OK,
        s.startEpochMillis(), s.endEpochMillis(), s.durationMs(), s.tenantId(), s.ticketId(), s.agentId(),
        "{\"service.name\":\"" + service + "\"}", "[]", 0);
  }

  /** Waits (a few milliseconds at most) until the wall clock, which SQLite's updated_at uses, is past t. */
  private static void clockPast(long t) throws InterruptedException {
    while (System.currentTimeMillis() <= t) {
      Thread.sleep(1);
    }
  }

  private long updatedAt(String traceId) throws SQLException {
    try (Connection c = store.settings.openConnection();
        PreparedStatement s = c.prepareStatement("SELECT updated_at FROM trace_summaries WHERE trace_id = ?")) {
      s.setString(1, traceId);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next(), traceId);
        String text = rs.getString(1);
        assertNotNull(text);
        return Timestamps.parseIso(text);
      }
    }
  }

  private long usedBytes() throws SQLException {
    return (count("PRAGMA page_count") - count("PRAGMA freelist_count")) * count("PRAGMA page_size");
  }

  private long count(String sql) throws SQLException {
    try (Connection c = store.settings.openConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
