package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.postgres.Sql.column;
import static dev.swarm.pipeline.storage.postgres.Sql.scalar;
import static dev.swarm.pipeline.storage.postgres.Sql.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Day partitions made ahead and dropped after the retention, on a real server (one for the class). */
class PostgresPartitionsTest {

  private static final LocalDate TODAY = LocalDate.of(2026, 11, 27);
  private static PostgresServer pg;

  @BeforeAll
  static void start() {
    pg = PostgresServer.start();
  }

  @AfterAll
  static void stop() {
    pg.close();
  }

  private static Connection migrated(String name) throws SQLException {
    PostgresServer.Database db = pg.createDatabase(name);
    PostgresSchema.migrate(db);
    return db.connect();
  }

  @Test
  void createsTodayAndTheDaysAheadOnce() throws SQLException {
    try (Connection c = migrated("create_ahead")) {
      PostgresPartitions partitions = new PostgresPartitions();
      List<String> made = partitions.createAhead(c, TODAY, 2);
      assertEquals(9, made.size(), made.toString());
      assertTrue(made.containsAll(List.of("agent_traces_p20261127", "trace_summaries_p20261128",
          "trace_services_p20261129")), made.toString());
      assertEquals(List.of(), partitions.createAhead(c, TODAY, 2), "a second call makes nothing");
      assertEquals(List.of("trace_services_p20261130"),
          new PostgresPartitions(List.of("trace_services"), Duration.ofSeconds(5)).createAhead(c, TODAY, 3));

      List<PostgresPartitions.Partition> spans = PostgresPartitions.partitions(c, "agent_traces");
      assertEquals(List.of(
          new PostgresPartitions.Partition("agent_traces_default", null, null),
          day("agent_traces_p20261127", "2026-11-27"),
          day("agent_traces_p20261128", "2026-11-28"),
          day("agent_traces_p20261129", "2026-11-29")), spans);

      // Rows land in their day; the bounds are UTC days whatever the session's time zone.
      try (Statement s = c.createStatement()) {
        s.execute("SET TimeZone = 'Pacific/Kiritimati'");
      }
      insertSpan(c, "t1", "2026-11-27T00:00:00Z");
      insertSpan(c, "t2", "2026-11-27T23:59:59.999Z");
      insertSpan(c, "t3", "2026-11-29T12:00:00Z");
      assertEquals(List.of("t1 agent_traces_p20261127", "t2 agent_traces_p20261127", "t3 agent_traces_p20261129"),
          column(c, "SELECT trace_id || ' ' || tableoid::regclass FROM agent_traces ORDER BY trace_id"));
      assertEquals(List.of(), partitions.createAhead(c, TODAY, 2), "still nothing in another time zone");
    }
  }

  @Test
  void movesRowsOutOfTheDefaultPartitionWhenTheirDayIsMade() throws SQLException {
    try (Connection c = migrated("move_default")) {
      PostgresPartitions partitions = new PostgresPartitions();
      partitions.createAhead(c, TODAY, 0);
      insertSpan(c, "future", "2026-12-02T08:00:00Z"); // a client clock five days ahead
      insertSpan(c, "later", "2026-12-20T08:00:00Z");
      assertEquals("agent_traces_default",
          scalar(c, "SELECT tableoid::regclass::text FROM agent_traces WHERE trace_id = 'future'"));
      partitions.createAhead(c, TODAY, 6);
      assertEquals("agent_traces_p20261202",
          scalar(c, "SELECT tableoid::regclass::text FROM agent_traces WHERE trace_id = 'future'"));
      assertEquals(List.of("later"), column(c, "SELECT trace_id FROM agent_traces_default"));
      assertEquals("2", scalar(c, "SELECT count(*) FROM agent_traces"), "nothing lost or doubled");
    }
  }

  @Test
  void dropsWholeDaysBeforeTheCutoffAndKeepsTheCurrentOne() throws SQLException {
    try (Connection c = migrated("drop_old")) {
      PostgresPartitions partitions = new PostgresPartitions();
      partitions.create(c, TODAY.minusDays(9), TODAY.plusDays(1));
      insertSpan(c, "old", "2026-11-18T10:00:00Z");
      insertSpan(c, "edge", "2026-11-20T10:00:00Z");
      insertSpan(c, "today", "2026-11-27T10:00:00Z");
      insertSpan(c, "ancient", "2020-01-01T00:00:00Z"); // DEFAULT partition, written long before the cutoff
      update(c, "UPDATE agent_traces SET created_at = '2020-01-02T00:00:00Z' WHERE trace_id = 'ancient'");
      // DEFAULT partition, a start long before the cutoff but written just now (a client clock years behind): kept
      // for the retention from its write, as SQLite keeps it
      insertSpan(c, "stale-clock", "2020-01-01T00:00:00Z");
      insertSpan(c, "far-future", "2030-01-01T00:00:00Z"); // DEFAULT partition, kept

      // Retention 7 days at 2026-11-27T06:00Z: cutoff 2026-11-20T06:00Z; the 20th holds the cutoff and stays.
      Clock clock = Clock.fixed(Instant.parse("2026-11-27T06:00:00Z"), ZoneOffset.UTC);
      List<String> dropped = partitions.dropOlderThan(c, clock, Duration.ofDays(7));
      assertEquals(6, dropped.size(), dropped.toString());
      assertEquals(List.of("agent_traces_p20261118", "agent_traces_p20261119"),
          dropped.stream().filter(n -> n.startsWith("agent_traces")).collect(Collectors.toList()));
      assertEquals(List.of("edge", "far-future", "stale-clock", "today"),
          column(c, "SELECT trace_id FROM agent_traces ORDER BY trace_id"));
      List<String> left = PostgresPartitions.partitions(c, "trace_summaries").stream()
          .map(PostgresPartitions.Partition::name).collect(Collectors.toList());
      assertEquals("trace_summaries_p20261120", left.get(1), left.toString());
      assertEquals("trace_summaries_p20261128", left.get(left.size() - 1), left.toString());
      assertEquals(List.of(), partitions.dropOlderThan(c, clock, Duration.ofDays(7)), "idempotent");
      assertEquals("0", scalar(c, "SELECT count(*) FROM pg_class WHERE relname LIKE '%_p20261119'"));
    }
  }

  @Test
  void givesUpOnABusyTableWithinTheLockTimeoutAndChangesNothing() throws SQLException {
    PostgresServer.Database db = pg.createDatabase("lock_timeout");
    PostgresSchema.migrate(db);
    try (Connection reader = db.connect(); Connection c = db.connect()) {
      reader.setAutoCommit(false);
      // An open transaction that read the table holds ACCESS SHARE until it ends; a new partition needs ACCESS EXCLUSIVE.
      scalar(reader, "SELECT count(*) FROM agent_traces");
      PostgresPartitions partitions = new PostgresPartitions(List.of("agent_traces"), Duration.ofMillis(200));
      SQLException e = assertThrows(SQLException.class, () -> partitions.createAhead(c, TODAY, 1));
      assertEquals("55P03", e.getSQLState(), e.getMessage()); // lock_not_available
      assertEquals(1, PostgresPartitions.partitions(c, "agent_traces").size(), "only DEFAULT: rolled back");
      reader.commit();
      assertEquals(2, partitions.createAhead(c, TODAY, 1).size(), "goes through once the reader is done");
    }
  }

  private static PostgresPartitions.Partition day(String name, String day) {
    Instant from = LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant();
    return new PostgresPartitions.Partition(name, from, from.plus(Duration.ofDays(1)));
  }

  private static void insertSpan(Connection c, String traceId, String start) throws SQLException {
    update(c, "INSERT INTO agent_traces (trace_id, id, span_name, start_time) VALUES (?, 's', 'n', ?)", traceId,
        OffsetDateTime.parse(start));
  }
}
