package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.postgres.Sql.column;
import static dev.swarm.pipeline.storage.postgres.Sql.scalar;
import static dev.swarm.pipeline.storage.postgres.Sql.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * V1 applied by Flyway on real PostgreSQL, and how the partitioned tables behave under the writes storage will make.
 * One server for the class; each test has its own database.
 */
class PostgresSchemaTest {

  private static PostgresServer pg;

  @BeforeAll
  static void start() {
    pg = PostgresServer.start();
  }

  @AfterAll
  static void stop() {
    pg.close();
  }

  @Test
  void writersStartingAtOnceOnANewDatabaseApplyV1Once() throws Exception {
    // Several storage processes on one new database all migrate at start.
    for (int round = 0; round < 5; round++) {
      PostgresServer.Database db = pg.createDatabase("migrate_race_" + round);
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        CyclicBarrier start = new CyclicBarrier(3);
        List<Future<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          runs.add(pool.submit(() -> {
            start.await();
            return PostgresSchema.migrate(db);
          }));
        }
        int applied = 0;
        for (Future<Integer> run : runs) {
          applied += run.get(60, TimeUnit.SECONDS);
        }
        assertEquals(1, applied, "V1 applied by exactly one of the three, round " + round);
      } finally {
        pool.shutdownNow();
      }
      try (Connection c = db.connect()) {
        assertEquals("1", scalar(c, "SELECT count(*) FROM flyway_schema_history WHERE success"));
      }
    }
  }

  @Test
  void flywayAppliesV1OnceAndAgainIsANoOp() throws SQLException {
    PostgresServer.Database db = pg.createDatabase("migrate_twice");
    assertEquals(1, PostgresSchema.migrate(db), "V1 applied on the empty database");
    assertEquals(0, PostgresSchema.migrate(db), "nothing left to apply");
    Flyway flyway = PostgresSchema.flyway(db.jdbcUrl(), db.user(), db.password());
    flyway.validate();
    MigrationInfo[] applied = flyway.info().applied();
    assertEquals(1, applied.length);
    assertEquals("1", applied[0].getVersion().getVersion());
    assertEquals(MigrationState.SUCCESS, applied[0].getState());

    try (Connection c = db.connect()) {
      // relkind p = partitioned table, r = plain table
      for (String table : PostgresSchema.PARTITIONED_TABLES) {
        assertEquals("p", scalar(c, "SELECT relkind FROM pg_class WHERE relname = ?", table), table);
        assertEquals(List.of(new PostgresPartitions.Partition(table + "_default", null, null)),
            PostgresPartitions.partitions(c, table), table + " has its DEFAULT partition only");
        assertEquals("start_time", scalar(c, "SELECT a.attname FROM pg_partitioned_table p JOIN pg_attribute a"
            + " ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] WHERE p.partrelid = ?::regclass", table));
        assertEquals("r", scalar(c, "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = ?::regclass",
            table), "BY RANGE");
      }
      assertEquals("r", scalar(c, "SELECT relkind FROM pg_class WHERE relname = 'service_span_names'"));
      assertEquals("json", scalar(c, "SELECT data_type FROM information_schema.columns"
          + " WHERE table_name = 'agent_traces' AND column_name = 'attributes'"));
      assertEquals("timestamp with time zone", scalar(c, "SELECT data_type FROM information_schema.columns"
          + " WHERE table_name = 'agent_traces' AND column_name = 'start_time'"));
      // Every search index of the summaries leads with the tenant.
      List<String> searchIndexes = column(c, "SELECT indexdef FROM pg_indexes WHERE tablename = 'trace_summaries'"
          + " AND indexname <> 'trace_summaries_pkey' ORDER BY indexname");
      assertEquals(5, searchIndexes.size(), searchIndexes.toString());
      for (String def : searchIndexes) {
        assertTrue(def.contains("USING btree (tenant_id, "), def);
      }
      // Keys hold the partition key.
      for (String table : PostgresSchema.PARTITIONED_TABLES) {
        assertTrue(scalar(c, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = ?",
            table + "_pkey").contains("start_time"), table);
      }

      // Day partitions come from PostgresPartitions; Flyway neither minds them nor re-applies anything.
      LocalDate today = LocalDate.of(2026, 11, 27);
      assertEquals(6, new PostgresPartitions().createAhead(c, today, 1).size());
      assertEquals(3, PostgresPartitions.partitions(c, "agent_traces").size());
      // The search indexes exist on the new partitions too.
      assertEquals("5", scalar(c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'trace_summaries_p20261127'"
          + " AND indexname NOT LIKE '%pkey'"));
    }
    assertEquals(0, PostgresSchema.migrate(db));
    flyway.validate();
  }

  @Test
  void replaysConflictOnlyWithTheSameStartTime() throws SQLException {
    PostgresServer.Database db = pg.createDatabase("span_identity");
    PostgresSchema.migrate(db);
    try (Connection c = db.connect()) {
      new PostgresPartitions().createAhead(c, LocalDate.of(2026, 11, 27), 1);
      String insert = "INSERT INTO agent_traces (trace_id, tenant_id, id, span_name, start_time, attributes)"
          + " VALUES (?, ?, ?, ?, ?, ?::json) ON CONFLICT (trace_id, tenant_id, id, start_time) DO NOTHING";
      OffsetDateTime start = OffsetDateTime.parse("2026-11-27T23:59:59.999Z");
      assertEquals(1, update(c, insert, "t1", "acme", "s1", "a", start, "{\"k\":1}"));
      assertEquals(0, update(c, insert, "t1", "acme", "s1", "a", start, "{\"k\":1}"), "a replay is ignored");
      assertEquals(1, update(c, insert, "t1", "other", "s1", "a", start, "{}"), "another tenant's span of its own");
      // The same span id with another start time is no conflict: the key holds the partition key.
      assertEquals(1, update(c, insert, "t1", "acme", "s1", "a", start.plusNanos(1_000_000), "{}"));
      assertEquals(List.of("agent_traces_p20261127", "agent_traces_p20261128"), column(c,
          "SELECT tableoid::regclass::text FROM agent_traces WHERE tenant_id = 'acme' ORDER BY start_time"));
      // A day without a partition goes to the DEFAULT partition: a write never fails for want of one.
      assertEquals(1, update(c, insert, "t2", "acme", "s1", "a", OffsetDateTime.parse("1999-01-01T00:00:00Z"), "{}"));
      assertEquals("agent_traces_default", scalar(c,
          "SELECT tableoid::regclass::text FROM agent_traces WHERE trace_id = 't2'"));
    }
  }

  @Test
  void summaryStartMovesWithUpdateButNotWithOnConflictUpdate() throws SQLException {
    PostgresServer.Database db = pg.createDatabase("summary_moves");
    PostgresSchema.migrate(db);
    try (Connection c = db.connect()) {
      new PostgresPartitions().createAhead(c, LocalDate.of(2026, 11, 27), 1);
      String upsert = "INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict)"
          + " VALUES ('t1', 'acme', ?, 1, true, 'complete') ON CONFLICT (trace_id, tenant_id, start_time)"
          + " DO UPDATE SET start_time = ?, span_count = trace_summaries.span_count + 1";
      OffsetDateTime start = OffsetDateTime.parse("2026-11-28T00:00:01Z");
      update(c, upsert, start, start);
      SQLException e = assertThrows(SQLException.class,
          () -> update(c, upsert, start, OffsetDateTime.parse("2026-11-27T23:59:00Z")));
      assertEquals("0A000", e.getSQLState(), e.getMessage()); // invalid ON UPDATE specification
      assertEquals(1, update(c, "UPDATE trace_summaries SET start_time = ? WHERE trace_id = 't1'"
          + " AND tenant_id = 'acme'", OffsetDateTime.parse("2026-11-27T23:59:00Z")));
      assertEquals("trace_summaries_p20261127", scalar(c,
          "SELECT tableoid::regclass::text FROM trace_summaries WHERE trace_id = 't1'"));
      // One statement may not upsert the same key twice with DO UPDATE (DO NOTHING takes the first).
      String twice = "INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict)"
          + " VALUES ('t2', 'acme', ?, 1, true, 'complete'), ('t2', 'acme', ?, 2, true, 'complete')"
          + " ON CONFLICT (trace_id, tenant_id, start_time) DO UPDATE SET span_count = excluded.span_count";
      SQLException dup = assertThrows(SQLException.class, () -> update(c, twice, start, start));
      assertEquals("21000", dup.getSQLState(), dup.getMessage());
    }
  }

  @Test
  void jsonbNormalisesAndRejectsWhatTheContractKeeps() throws SQLException {
    PostgresServer.Database db = pg.createDatabase("jsonb_rules");
    try (Connection c = db.connect()) {
      // Keys sorted (shorter first), the last duplicate wins, spaces on output: not the text the span carried.
      assertEquals("{\"a\": 3, \"bb\": 1}", scalar(c, "SELECT '{\"bb\":1,\"a\":2,\"a\":3}'::jsonb::text"));
      // The span contract keeps \u0000 and unpaired surrogates as escapes in attribute strings; jsonb refuses both.
      SQLException nul = assertThrows(SQLException.class, () -> scalar(c, "SELECT ?::jsonb", "{\"k\":\"a\\u0000b\"}"));
      assertEquals("22P05", nul.getSQLState(), nul.getMessage());
      SQLException surrogate = assertThrows(SQLException.class,
          () -> scalar(c, "SELECT ?::jsonb", "{\"k\":\"\\ud800\"}"));
      assertEquals("22P02", surrogate.getSQLState(), surrogate.getMessage());
      // The contract keeps a number's text (1e400 stays 1e400); jsonb holds it as numeric: expanded, or refused.
      assertEquals(401, scalar(c, "SELECT ?::jsonb ->> 'n'", "{\"n\":1e400}").length());
      SQLException huge = assertThrows(SQLException.class, () -> scalar(c, "SELECT ?::jsonb", "{\"n\":1e200000}"));
      assertEquals("22003", huge.getSQLState(), huge.getMessage());
      // The json type keeps the text as sent and accepts all three.
      assertEquals("{\"k\":\"a\\u0000b\",\"s\":\"\\ud800\",\"n\":1e200000}",
          scalar(c, "SELECT ?::json::text", "{\"k\":\"a\\u0000b\",\"s\":\"\\ud800\",\"n\":1e200000}"));
    }
  }
}
