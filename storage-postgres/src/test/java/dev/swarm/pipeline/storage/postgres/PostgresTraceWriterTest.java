package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.DAY;
import static dev.swarm.pipeline.storage.TestSpans.T0;
import static dev.swarm.pipeline.storage.TestSpans.late;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static dev.swarm.pipeline.storage.TestSpans.withJson;
import static dev.swarm.pipeline.storage.TestSpans.withStart;
import static dev.swarm.pipeline.storage.postgres.Sql.column;
import static dev.swarm.pipeline.storage.postgres.Sql.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What only PostgreSQL makes the writer do, checked where the rows really are: day partitions and the DEFAULT one,
 * the queryable JSON copies, cut index keys, big batches in several statements, writers taking turns, and a
 * connection lost between batches. The shared semantics are in {@link TraceWriterContract}.
 */
class PostgresTraceWriterTest {

  private static PostgresServer pg;
  private PostgresStore store;
  private Connection c;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresServer.start();
    PostgresSchema.migrate(pg.database());
    try (Connection c = pg.database().connect()) {
      new PostgresPartitions().createAhead(c, LocalDate.of(2026, 11, 25), 4); // 25th to 29th
    }
  }

  @AfterAll
  static void stop() {
    pg.close();
  }

  @BeforeEach
  void open() throws Exception {
    store = new PostgresStore(pg.database());
    c = pg.database().connect();
  }

  @AfterEach
  void close() throws SQLException {
    c.close();
    store.close();
  }

  private WriteResult write(TraceRecord... messages) {
    return await(store.write(List.of(messages)));
  }

  private String partitionOf(String table, String where) throws SQLException {
    return scalar(c, "SELECT tableoid::regclass::text FROM " + table + " WHERE " + where);
  }

  @Test
  void aSpanAndItsSummaryMoveBetweenDayPartitionsAndStayOneRow() throws SQLException {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1))));
    assertEquals("agent_traces_p20261127", partitionOf("agent_traces", "id = 'a'"));
    assertEquals("trace_summaries_p20261127", partitionOf("trace_summaries", "trace_id = 't1'"));

    // The root sent again a day later, then a late span the day before: the span row and the summary change day.
    write(late(List.of(withStart(span("t1", "r", null, "agent.run", 0), T0 + DAY))));
    assertEquals("agent_traces_p20261128", partitionOf("agent_traces", "id = 'r'"));
    assertEquals("trace_summaries_p20261127", partitionOf("trace_summaries", "trace_id = 't1'")); // a's start
    write(late(List.of(span("t1", "early", "r", "x", -DAY))));
    assertEquals("trace_summaries_p20261126", partitionOf("trace_summaries", "trace_id = 't1'"));
    assertEquals("3", scalar(c, "SELECT count(*) FROM agent_traces WHERE trace_id = 't1'"));
    assertEquals("3", scalar(c, "SELECT span_count FROM trace_summaries WHERE trace_id = 't1'"));
    assertEquals("1", scalar(c, "SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void daysWithoutAPartitionGoToTheDefaultOneAndMoveWhenTheirDayIsMade() throws SQLException {
    long in2030 = Timestamps.parseIso("2030-06-01T12:00:00.000Z");
    Span future = new Span("f", "t-2030", null, "x", SpanKind.SERVER, SpanStatus.OK, in2030, in2030 + 5, 5L, "acme",
        null, null, "{}", "[]", 0);
    Span ancient = new Span("a", "t-0000", null, "x", SpanKind.SERVER, SpanStatus.OK, Timestamps.MIN_EPOCH_MILLIS,
        null, null, "acme", null, null, "{}", "[]", 0);
    write(message(TraceVerdict.COMPLETE, List.of(future)), message(TraceVerdict.COMPLETE, List.of(ancient)));
    assertEquals("agent_traces_default", partitionOf("agent_traces", "trace_id = 't-2030'"));
    assertEquals("trace_summaries_default", partitionOf("trace_summaries", "trace_id = 't-0000'"));
    assertEquals("trace_services_default", partitionOf("trace_services", "trace_id = 't-2030'"));

    // The day gets its partition (PostgresPartitions moves the DEFAULT rows of that day); the writer goes on.
    new PostgresPartitions().createAhead(c, LocalDate.of(2030, 6, 1), 0);
    assertEquals("agent_traces_p20300601", partitionOf("agent_traces", "trace_id = 't-2030'"));
    Span child = new Span("c", "t-2030", "f", "y", SpanKind.INTERNAL, SpanStatus.ERROR, in2030 - DAY, in2030 - DAY + 1,
        1L, "acme", null, null, "{}", "[]", 0);
    assertEquals(new WriteResult(1, 1, 1), write(late(List.of(child))));
    assertEquals("trace_summaries_default", partitionOf("trace_summaries", "trace_id = 't-2030'")); // 31 May
    assertEquals("2", scalar(c, "SELECT span_count FROM trace_summaries WHERE trace_id = 't-2030'"));
    assertEquals("1", scalar(c, "SELECT error_count FROM trace_summaries WHERE trace_id = 't-2030'"));
  }

  @Test
  void jsonFunctionsReadTheQueryCopyWhereTheStoredTextHasEscapesTheyRefuse() throws SQLException {
    String odd = "{\"k\":\"a\\u0000b\",\"s\":\"\\uD800x\",\"pair\":\"\\uD83D\\uDE00\"}";
    String events = "[{\"name\":\"boot\\u0000\",\"time\":\"2026-11-27T23:24:23.123Z\",\"attributes\":{}}]";
    write(message(TraceVerdict.COMPLETE, List.of(withJson(span("t1", "r", null, "x", 0), odd, events, 1),
        span("t1", "p", "r", "y", 1))));
    // Every JSON function decodes the whole document first: one such span fails a whole search over plain ->>.
    SQLException refused = assertThrows(SQLException.class,
        () -> column(c, "SELECT attributes ->> 'k' FROM agent_traces ORDER BY id"));
    assertEquals("22P05", refused.getSQLState(), refused.getMessage());
    // Through the copy, every row reads; the stored text stays as sent.
    assertEquals(List.of("p", "a\uFFFDb"), column(c,
        "SELECT coalesce(attributes_query, attributes) ->> 'k' FROM agent_traces ORDER BY id"));
    assertEquals("\uFFFDx", scalar(c, "SELECT coalesce(attributes_query, attributes) ->> 's' FROM agent_traces"
        + " WHERE id = 'r'"));
    assertEquals("\uD83D\uDE00", scalar(c, "SELECT coalesce(attributes_query, attributes) ->> 'pair'"
        + " FROM agent_traces WHERE id = 'r'"));
    assertEquals(List.of("boot\uFFFD"), column(c, "SELECT e ->> 'name' FROM agent_traces,"
        + " json_array_elements(coalesce(events_query, events)) e"));
    assertEquals(odd, scalar(c, "SELECT attributes FROM agent_traces WHERE id = 'r'"));
    assertEquals(events, scalar(c, "SELECT events FROM agent_traces WHERE id = 'r'"));
    // Plain spans carry no copy.
    assertNull(scalar(c, "SELECT attributes_query FROM agent_traces WHERE id = 'p'"));
    assertNull(scalar(c, "SELECT events_query FROM agent_traces WHERE id = 'p'"));
    assertEquals("json", scalar(c, "SELECT data_type FROM information_schema.columns"
        + " WHERE table_name = 'agent_traces' AND column_name = 'attributes_query'"));
  }

  @Test
  void serviceNamesLongerThanABTreeEntryAreCutInTheIndex() throws SQLException {
    String longName = "\u00e9".repeat(5000); // 10,000 UTF-8 bytes
    String attributes = "{\"service.name\":\"" + longName + "\"}";
    write(message(TraceVerdict.COMPLETE, List.of(withJson(span("t1", "r", null, "agent.run", 0), attributes, "[]", 0))));
    assertEquals("1024", scalar(c, "SELECT octet_length(service_name) FROM service_span_names"));
    assertEquals("1024", scalar(c, "SELECT octet_length(service_name) FROM trace_services"));
    assertEquals(attributes, scalar(c, "SELECT attributes FROM agent_traces")); // the span keeps it whole
    // Whole (and not compressible), it would not fit a B-tree entry: the batch would fail for ever.
    StringBuilder random = new StringBuilder();
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    while (random.length() < 6000) {
      random.append(Long.toHexString(r.nextLong()));
    }
    SQLException tooBig = assertThrows(SQLException.class, () -> Sql.update(c,
        "INSERT INTO service_span_names VALUES ('acme', ?, 'x')", random.toString()));
    assertEquals("54000", tooBig.getSQLState(), tooBig.getMessage());
  }

  @Test
  void aBatchWithMoreJsonThanOneStatementTakesIsWrittenInSeveral() throws SQLException {
    // 300 spans of 64 KiB of attributes: 19 MiB, over MAX_JSON_CHARS_PER_STATEMENT (16 MiB).
    String big = "{\"blob\":\"" + "x".repeat(65_000) + "\"}";
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      spans.add(withJson(span("t1", "s" + i, i == 0 ? null : "s0", "x", i), big, "[]", 0));
    }
    assertTrue(300L * big.length() > PostgresTraceWriter.MAX_JSON_CHARS_PER_STATEMENT);
    assertEquals(new WriteResult(1, 300, 0), write(message(TraceVerdict.COMPLETE, spans)));
    assertEquals("300", scalar(c, "SELECT count(*) FROM agent_traces WHERE octet_length(attributes::text) = ?",
        big.length()));
    assertEquals("300", scalar(c, "SELECT span_count FROM trace_summaries"));
  }

  @Test
  void twoWritersOfTheSameTracesTakeTurnsOnThem() throws SQLException {
    // Two writers (two storage processes, a Kafka rebalance) get the same new traces at once, each with its own spans
    // starting on different days. Taking turns on each trace's lock, the second sees the first's summary and
    // recomputes: one summary per trace, each span once (without the locks: 380 summaries for 200 traces).
    PostgresTraceWriter other = store.newWriter();
    try {
      for (int round = 0; round < 10; round++) {
        List<TraceRecord> mine = new ArrayList<>();
        List<TraceRecord> theirs = new ArrayList<>();
        for (int t = 0; t < 20; t++) {
          String traceId = "r" + round + "t" + t;
          mine.add(message(TraceVerdict.COMPLETE, List.of(span(traceId, "root", null, "agent.run", 0))));
          theirs.add(late(List.of(span(traceId, "early", "root", "x", -DAY))));
        }
        Future<WriteResult> a = store.write(mine);
        Future<WriteResult> b = other.write(theirs);
        await(Future.all(a, b));
      }
    } finally {
      await(other.close());
    }
    assertEquals("200", scalar(c, "SELECT count(*) FROM trace_summaries"));
    assertEquals("200", scalar(c, "SELECT count(*) FROM trace_summaries WHERE span_count = 2"
        + " AND start_time = '2026-11-26T23:24:23.123Z' AND verdict = 'complete'"));
    assertEquals("400", scalar(c, "SELECT count(*) FROM agent_traces"));
    assertEquals("400", scalar(c, "SELECT count(DISTINCT (trace_id, tenant_id, id)) FROM agent_traces"));
  }

  /** Twenty new traces of one round, {@code prefix} naming them, one complete message each. */
  private static List<TraceRecord> traces(String prefix, int count) {
    List<TraceRecord> out = new ArrayList<>();
    for (int t = 0; t < count; t++) {
      String traceId = prefix + t;
      out.add(message(TraceVerdict.COMPLETE, List.of(span(traceId, "root", null, "agent.run", 0),
          span(traceId, "a", "root", "x", 1))));
    }
    return out;
  }

  private String heldAdvisoryLocks() throws SQLException {
    return scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
  }

  /** Waits for the write, failing at once should any lock wait show up in pg_locks meanwhile. */
  private WriteResult awaitWithoutWaiting(Future<WriteResult> write) throws Exception {
    while (!write.isComplete()) {
      String waiting = scalar(c, "SELECT string_agg(locktype || ' ' || pid, ', ') FROM pg_locks WHERE NOT granted");
      if (waiting != null) {
        throw new AssertionError("a writer waits for a lock: " + waiting);
      }
      Thread.sleep(5);
    }
    return await(write);
  }

  @Test
  void writersOfDifferentTracesNeverWaitForEachOther() throws Exception {
    // The span names are stored first (a new (tenant, service, name) pair written by two transactions at once makes
    // the second wait on the unique index until the first ends; the README says why that is rare).
    write(traces("warm", 1).toArray(new TraceRecord[0]));
    PostgresTraceWriter other = store.newWriter();
    CountDownLatch firstOpen = new CountDownLatch(1);
    Promise<Void> release = Promise.promise();
    store.writer.beforeCommit = conn -> {
      firstOpen.countDown();
      return release.future();
    };
    try {
      Future<WriteResult> first = store.write(traces("a", 20));
      assertTrue(firstOpen.await(60, TimeUnit.SECONDS));
      // The first transaction is open, all its statements done, holding one lock per trace (20 distinct keys) and
      // the whole-database lock in shared mode.
      assertEquals("21", heldAdvisoryLocks());
      assertEquals("1", scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock'"));
      assertEquals("0", scalar(c, "SELECT count(*) FROM trace_summaries WHERE trace_id LIKE 'a%'"));
      // The second writer's whole transaction, other traces, runs and commits meanwhile: it never waited.
      assertEquals(20, awaitWithoutWaiting(other.write(traces("b", 20))).traces());
      assertEquals("20", scalar(c, "SELECT count(*) FROM trace_summaries WHERE trace_id LIKE 'b%'"));
      assertEquals("21", heldAdvisoryLocks());
      release.complete();
      assertEquals(20, await(first).traces());
    } finally {
      store.writer.beforeCommit = null;
      release.tryComplete();
      await(other.close());
    }
    assertEquals("0", heldAdvisoryLocks());
    assertEquals("41", scalar(c, "SELECT count(*) FROM trace_summaries"));
    assertEquals("82", scalar(c, "SELECT count(*) FROM agent_traces"));
  }

  @Test
  void aWriterOfATraceAnotherHoldsWaitsForItsCommitThenMergesItsSpans() throws Exception {
    PostgresTraceWriter other = store.newWriter();
    CountDownLatch firstOpen = new CountDownLatch(1);
    Promise<Void> release = Promise.promise();
    store.writer.beforeCommit = conn -> {
      firstOpen.countDown();
      return release.future();
    };
    try {
      Future<WriteResult> first = store.write(traces("a", 20));
      assertTrue(firstOpen.await(60, TimeUnit.SECONDS));
      // One trace in common (a7): the second writer waits on that trace's lock, and only there.
      Future<WriteResult> second = other.write(List.of(traces("b", 1).get(0),
          late(List.of(span("a7", "late", "root", "x", 2)))));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!"1".equals(scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))) {
        assertTrue(System.nanoTime() < deadline, "the second writer never waited");
        Thread.sleep(5);
      }
      assertFalse(second.isComplete());
      release.complete();
      assertEquals(20, await(first).traces());
      assertEquals(1, await(second).recomputedTraces());
    } finally {
      store.writer.beforeCommit = null;
      release.tryComplete();
      await(other.close());
    }
    assertEquals("21", scalar(c, "SELECT count(*) FROM trace_summaries"));
    assertEquals("3", scalar(c, "SELECT span_count FROM trace_summaries WHERE trace_id = 'a7'"));
  }

  @Test
  void writersOfOverlappingTracesInOppositeOrdersNeverDeadlock() throws SQLException {
    // Locks taken in batch order would deadlock here at once: each writer holds the traces the other wants next.
    PostgresTraceWriter other = store.newWriter();
    int traces = 500;
    int rounds = 20;
    try {
      for (int round = 0; round < rounds; round++) {
        List<TraceRecord> up = new ArrayList<>();
        List<TraceRecord> down = new ArrayList<>();
        for (int t = 0; t < traces; t++) {
          up.add(late(List.of(span("t" + t, "a" + round, "root", "x", round))));
          down.add(late(List.of(span("t" + (traces - 1 - t), "b" + round, "root", "x", round))));
        }
        Future<WriteResult> a = store.write(up);
        Future<WriteResult> b = other.write(down);
        await(Future.join(a, b));
        assertTrue(a.succeeded() && b.succeeded(), "round " + round + ": " + a.cause() + " / " + b.cause());
      }
    } finally {
      await(other.close());
    }
    assertEquals(String.valueOf(traces), scalar(c, "SELECT count(*) FROM trace_summaries"));
    assertEquals(String.valueOf(traces), scalar(c, "SELECT count(*) FROM trace_summaries WHERE span_count = ?",
        2 * rounds));
    assertEquals(String.valueOf(traces * rounds * 2), scalar(c, "SELECT count(*) FROM agent_traces"));
  }

  @Test
  void aBatchOfMoreTracesThanItMayLockLocksTheWholeDatabase() throws Exception {
    PostgresTraceWriter big = new PostgresTraceWriter(io.vertx.pgclient.PgBuilder.pool()
        .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(1))
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(pg.database().uri()))
        .using(store.vertx).build(), 10);
    CountDownLatch bigOpen = new CountDownLatch(1);
    Promise<Void> release = Promise.promise();
    big.beforeCommit = conn -> {
      bigOpen.countDown();
      return release.future();
    };
    try {
      Future<WriteResult> first = big.write(traces("a", 20));
      assertTrue(bigOpen.await(60, TimeUnit.SECONDS));
      // One exclusive lock instead of 20; a writer of other traces waits for it.
      assertEquals("1", heldAdvisoryLocks());
      assertEquals("1", scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
          + " AND mode = 'ExclusiveLock'"));
      Future<WriteResult> second = store.write(traces("b", 5));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!"1".equals(scalar(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))) {
        assertTrue(System.nanoTime() < deadline, "the other writer never waited");
        Thread.sleep(5);
      }
      release.complete();
      assertEquals(20, await(first).traces());
      assertEquals(5, await(second).traces());
      // Below its limit the same writer locks each trace.
      big.beforeCommit = null;
      assertEquals(3, awaitWithoutWaiting(big.write(traces("c", 3))).traces());
    } finally {
      release.tryComplete();
      await(big.close());
    }
    assertEquals("28", scalar(c, "SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void lockKeysAreDistinctAscendingAndTheSameInEveryProcess() {
    Long[] keys = PostgresTraceWriter.lockKeys(new java.util.LinkedHashSet<>(List.of("b", "a", "c", "a")));
    assertEquals(3, keys.length);
    assertTrue(keys[0] < keys[1] && keys[1] < keys[2]);
    // Fixed values (computed independently): every writer of a database, whatever its JVM or version, must agree.
    assertEquals(-1843954265078179672L, PostgresTraceWriter.lockKey("4bf92f3577b34da6a3ce929d0e0e4736"));
    assertEquals(-1166397803181037274L, PostgresTraceWriter.lockKey(""));
  }

  @Test
  void theWritersReadsAreKeyProbesWhateverTheStatisticsSay() throws SQLException {
    // Plans as a cached prepared statement gets them (generic), on partitions never analysed: with the writer's
    // settings, no statement reads a whole partition.
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1))));
    c.setAutoCommit(false);
    try (java.sql.Statement s = c.createStatement()) {
      for (String set : PostgresTraceWriter.BEGIN.split(";")) {
        s.execute(set);
      }
      s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
      String[][] statements = {
          {PostgresTraceWriter.STORED_SUMMARIES, "'{t1,t2}'"},
          {PostgresTraceWriter.STORED_SPAN_FACTS, "'{t1}', '{tenant-1}'"},
          {PostgresTraceWriter.DELETE_MOVED_SPANS, "'{t1}', '{tenant-1}', '{a}', '{2026-11-27 00:00:00+00}'"}};
      for (int i = 0; i < 3; i++) {
        s.execute("PREPARE q" + i + " AS " + statements[i][0]);
        StringBuilder plan = new StringBuilder();
        try (java.sql.ResultSet rs = s.executeQuery("EXPLAIN EXECUTE q" + i + "(" + statements[i][1] + ")")) {
          while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
          }
        }
        assertTrue(!plan.toString().contains("Seq Scan on agent_traces_p")
            && !plan.toString().contains("Seq Scan on trace_summaries_p") && plan.toString().contains("Index"),
            statements[i][0] + "\n" + plan);
      }
    } finally {
      c.rollback();
      c.setAutoCommit(true);
    }
  }

  @Test
  void aStoredSummaryThatCannotBeUpdatedFailsTheBatch() throws SQLException {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))));
    // A summary that vanishes between the writer's read and its UPDATE (retention deleting old DEFAULT rows), made
    // here by a trigger that skips the update: nothing is committed, and a later attempt goes through.
    store.execute("CREATE FUNCTION skip_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER skip_update BEFORE UPDATE ON trace_summaries FOR EACH ROW EXECUTE FUNCTION skip_update()");
    try {
      Throwable failure = awaitFailure(store.write(List.of(late(List.of(span("t1", "x", "r", "x", 1))))));
      assertTrue(failure.getMessage().contains("updated 0 of 1 stored trace summaries"), failure.getMessage());
      assertEquals("1", scalar(c, "SELECT count(*) FROM agent_traces"));
    } finally {
      store.execute("DROP TRIGGER skip_update ON trace_summaries", "DROP FUNCTION skip_update()");
    }
    assertEquals(new WriteResult(1, 1, 1), write(late(List.of(span("t1", "x", "r", "x", 1)))));
    assertEquals("2", scalar(c, "SELECT span_count FROM trace_summaries"));
  }

  @Test
  void aLostConnectionFailsWritesOnlyUntilThePoolReconnectsAndCommitsNothingPartial() throws Exception {
    write(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))));
    int killed = column(c, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        + " AND datname = current_database() AND backend_type = 'client backend'").size();
    assertTrue(killed >= 1, "the writer's connection");
    TraceRecord next = message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "agent.run", 0)));
    // Through RetryingTraceWriter, as storage drives it: the same batch again until it commits. The pool may hand
    // out the dead connection more than once before it notices; every failed attempt must have left nothing behind.
    java.util.List<String> summariesAfterFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.swarm.pipeline.storage.RetryingTraceWriter retrying = new dev.swarm.pipeline.storage.RetryingTraceWriter(
        store.vertx, store.writer, new dev.swarm.pipeline.storage.RetryBackoff(50, 200),
        (failures, retryIn, cause) -> summariesAfterFailures.add(scalarQuietly("SELECT count(*) FROM trace_summaries")));
    WriteResult result = retrying.writeUntilCommitted(List.of(next)).toCompletionStage().toCompletableFuture()
        .get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(summariesAfterFailures.stream().allMatch("1"::equals), summariesAfterFailures.toString());
    assertEquals(new WriteResult(1, 1, 0), result);
    assertEquals("2", scalar(c, "SELECT count(*) FROM trace_summaries"));
  }


  private String scalarQuietly(String sql) {
    try {
      return scalar(c, sql);
    } catch (SQLException e) {
      return e.toString();
    }
  }
}
