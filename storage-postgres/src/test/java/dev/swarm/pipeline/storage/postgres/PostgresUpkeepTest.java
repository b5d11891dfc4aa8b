package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.postgres.Sql.column;
import static dev.swarm.pipeline.storage.postgres.Sql.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.storage.RetentionConfig;
import dev.swarm.pipeline.storage.TraceRetention;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention and partition upkeep as the storage writer's steps ({@link PostgresUpkeep}), on a real server, with the
 * clock moved by the test.
 */
class PostgresUpkeepTest {

  private static PostgresServer pg;
  private static Vertx vertx;
  private static WorkerExecutor worker;

  @BeforeAll
  static void start() {
    pg = PostgresServer.start();
    vertx = Vertx.vertx();
    worker = vertx.createSharedWorkerExecutor("upkeep-test", 1);
  }

  @AfterAll
  static void stop() {
    worker.close();
    vertx.close();
    pg.close();
  }

  /** A clock the test moves. */
  private static final class MovableClock extends Clock {
    volatile Instant now;

    MovableClock(String now) {
      this.now = Instant.parse(now);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static PostgresServer.Database migrated(String name) {
    PostgresServer.Database db = pg.createDatabase(name);
    PostgresSchema.migrate(db);
    return db;
  }

  private static TraceRetention.Step step(PostgresUpkeep upkeep) throws Exception {
    return upkeep.step().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static void insertTrace(Connection c, String traceId, String start, int spans) throws SQLException {
    OffsetDateTime at = OffsetDateTime.parse(start);
    update(c, "INSERT INTO trace_summaries (trace_id, start_time, span_count, complete, verdict)"
        + " VALUES (?, ?, ?, true, 'complete')", traceId, at, spans);
    for (int i = 0; i < spans; i++) {
      update(c, "INSERT INTO agent_traces (trace_id, id, span_name, start_time) VALUES (?, ?, 'n', ?)", traceId,
          "s" + i, at);
    }
  }

  private static List<String> partitionsOf(Connection c, String table) throws SQLException {
    return PostgresPartitions.partitions(c, table).stream().map(PostgresPartitions.Partition::name)
        .collect(Collectors.toList());
  }

  @Test
  void makesTheDaysAheadAgainWhenTheDayChangesAndDropsDaysPastTheRetentionCountingWhatWent() throws Exception {
    PostgresServer.Database db = migrated("upkeep_age");
    MovableClock clock = new MovableClock("2026-11-27T10:00:00Z");
    PostgresConfig config = PostgresConfig.of(db.uri());
    PostgresUpkeep upkeep = new PostgresUpkeep(config, new RetentionConfig(2 * 86_400_000L, 0, 5000, 50), worker, clock);
    try (Connection c = db.connect()) {
      worker.executeBlocking(() -> {
        upkeep.makeAhead();
        return null;
      }).toCompletionStage().toCompletableFuture().get();
      assertEquals("agent_traces_p20261130", partitionsOf(c, "agent_traces").get(4), "today and 3 days ahead");
      insertTrace(c, "day27", "2026-11-27T12:00:00Z", 3);
      insertTrace(c, "day28", "2026-11-28T12:00:00Z", 2);

      clock.now = Instant.parse("2026-11-29T23:00:00Z"); // the cutoff (2 days back) is in the 27th: nothing goes
      TraceRetention.Step kept = step(upkeep);
      assertEquals(0, kept.traces());
      assertEquals(List.of("day27", "day28"), column(c, "SELECT trace_id FROM trace_summaries ORDER BY 1"));
      assertTrue(partitionsOf(c, "agent_traces").contains("agent_traces_p20261202"), "the day changed: made ahead");

      clock.now = Instant.parse("2026-11-30T01:00:00Z"); // cutoff 28th 01:00: the whole 27th is older
      TraceRetention.Step dropped = step(upkeep);
      assertEquals(1, dropped.traces());
      assertEquals(3, dropped.spans());
      assertFalse(dropped.more());
      assertEquals(List.of("day28"), column(c, "SELECT trace_id FROM trace_summaries"));
      assertFalse(partitionsOf(c, "trace_summaries").contains("trace_summaries_p20261127"));
      assertTrue(dropped.usedBytes() > 0, "the database's size is measured");
      assertEquals(Instant.parse("2026-11-28T00:00:00Z").toEpochMilli(), dropped.oldestWriteMillis(),
          "the oldest day holding traces");
    } finally {
      worker.executeBlocking(() -> {
        upkeep.close();
        return null;
      }).toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * Over STORAGE_MAX_BYTES the oldest day goes, one per step, until the database fits or only today is left: today's
   * traces are never dropped for size.
   */
  @Test
  void overTheSizeBoundDropsTheOldestDaysOneAStepButNeverToday() throws Exception {
    PostgresServer.Database db = migrated("upkeep_size");
    MovableClock clock = new MovableClock("2026-11-27T10:00:00Z");
    // Smaller than any database (an empty one is ~7 MB): always over.
    RetentionConfig keep = new RetentionConfig(0, RetentionConfig.MIN_MAX_BYTES, 5000, 50);
    PostgresUpkeep upkeep = new PostgresUpkeep(PostgresConfig.of(db.uri()), keep, worker, clock);
    try (Connection c = db.connect()) {
      new PostgresPartitions().create(c, LocalDate.of(2026, 11, 24), LocalDate.of(2026, 11, 27));
      insertTrace(c, "day24", "2026-11-24T12:00:00Z", 1);
      insertTrace(c, "day25", "2026-11-25T12:00:00Z", 1);
      insertTrace(c, "today", "2026-11-27T09:00:00Z", 1);

      TraceRetention.Step first = step(upkeep);
      assertTrue(first.overSize());
      assertEquals(1, first.traces());
      assertTrue(first.more(), "still over, and older days are left");
      assertEquals(List.of("day25", "today"), column(c, "SELECT trace_id FROM trace_summaries ORDER BY 1"));
      TraceRetention.Step last = first;
      for (int i = 0; i < 5 && last.more(); i++) {
        last = step(upkeep);
      }
      assertFalse(last.more(), "nothing but today is left to drop");
      assertTrue(last.overSize());
      assertEquals(List.of("today"), column(c, "SELECT trace_id FROM trace_summaries"));
      assertEquals("trace_summaries_p20261127", partitionsOf(c, "trace_summaries").get(1));
    } finally {
      worker.executeBlocking(() -> {
        upkeep.close();
        return null;
      }).toCompletionStage().toCompletableFuture().get();
    }
  }
}
