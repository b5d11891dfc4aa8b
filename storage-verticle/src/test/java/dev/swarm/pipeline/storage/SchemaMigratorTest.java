package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaMigratorTest {

  @TempDir
  Path dir;

  private SqliteSettings settings() {
    return SqliteSettings.defaults(dir.resolve("swarm.db"));
  }

  @Test
  void freshFileGetsBothTablesWithTheTraceScopedSpanKey() throws Exception {
    SqliteSettings settings = settings();
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), SchemaMigrator.fromClasspath().migrate(settings));
    try (Connection c = settings.openConnection()) {
      // The tenant is part of a span's and a trace's identity (V7).
      assertEquals(List.of("trace_id", "tenant_id", "id"), SchemaMigrator.primaryKeyColumns(c, "agent_traces"));
      assertEquals(List.of("trace_id", "tenant_id"), SchemaMigrator.primaryKeyColumns(c, "trace_summaries"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("0", single(c, "PRAGMA foreign_keys"));
      assertEquals("1", single(c, "PRAGMA synchronous")); // NORMAL
      assertEquals("5000", single(c, "PRAGMA busy_timeout"));
      // The design's defaults still apply.
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO agent_traces (id, trace_id, span_name, start_time) VALUES ('a', 't', 'n', 'x')");
      }
      assertEquals("{}|[]", single(c, "SELECT attributes || '|' || events FROM agent_traces"));
      assertTrue(single(c, "SELECT created_at FROM agent_traces").matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
      // CHECK constraints of the design.
      assertThrows(SQLException.class, () -> exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time,"
          + " span_kind) VALUES ('b', 't', 'n', 'x', 'producer')"));
      assertThrows(SQLException.class, () -> exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time,"
          + " status) VALUES ('b', 't', 'n', 'x', 'failed')"));
      // The search indexes and the retention index exist.
      assertEquals("5", single(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
          + " AND tbl_name = 'trace_summaries' AND name LIKE 'trace_summaries_by_%'"));
    }
  }

  @Test
  void v7KeepsEveryRowAndGivesEachTenantOfAMixedTraceItsOwnSummary() throws Exception {
    SqliteSettings settings = settings();
    List<Migration> all = SchemaMigrator.fromClasspath().migrations();
    new SchemaMigrator(all.subList(0, 6)).migrate(settings);
    try (Connection c = settings.openConnection()) {
      // t1: one tenant; t2: no tenant; t3: spans of two tenants under one trace id (possible before V7).
      exec(c, "INSERT INTO agent_traces (id, trace_id, parent_span_id, span_name, start_time, end_time, tenant_id,"
          + " attributes) VALUES ('r', 't1', NULL, 'run', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z',"
          + " 'acme', '{\"service.name\":\"API\"}'), ('a', 't1', 'r', 'call', '2026-01-01T00:00:00.100Z', NULL, 'acme', '{}'),"
          + " ('r', 't2', NULL, 'run', '2026-01-01T00:00:00.000Z', NULL, NULL, '{}'),"
          + " ('r', 't3', NULL, 'run', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z', 'acme', '{}'),"
          + " ('x', 't3', 'r', 'forged', '2026-01-01T00:00:00.500Z', NULL, 'mallory', '{}')");
      exec(c, "INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict,"
          + " first_span_count) VALUES ('t1', 'acme', '2026-01-01T00:00:00.000Z', 2, 1, 'complete', 2),"
          + " ('t2', NULL, '2026-01-01T00:00:00.000Z', 1, 1, 'complete', 1),"
          + " ('t3', 'acme', '2026-01-01T00:00:00.000Z', 2, 1, 'complete', 2)");
      exec(c, "INSERT INTO service_span_names VALUES ('api', 'run')");
      exec(c, "INSERT INTO trace_services VALUES ('api', '2026-01-01T00:00:00.000Z', 't1')");
    }
    assertEquals(List.of(7), SchemaMigrator.fromClasspath().migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals("5", single(c, "SELECT count(*) FROM agent_traces"));
      assertEquals("", single(c, "SELECT tenant_id FROM agent_traces WHERE trace_id = 't2'"));
      assertEquals("acme|2|complete|2", single(c, "SELECT tenant_id || '|' || span_count || '|' || verdict || '|'"
          + " || first_span_count FROM trace_summaries WHERE trace_id = 't1'"));
      assertEquals("|1|complete", single(c, "SELECT tenant_id || '|' || span_count || '|' || verdict"
          + " FROM trace_summaries WHERE trace_id = 't2'"));
      assertEquals("acme:1:1:0,mallory:1:0:0", single(c, "SELECT group_concat(tenant_id || ':' || span_count || ':'"
          + " || root_count || ':' || complete, ',') FROM (SELECT * FROM trace_summaries WHERE trace_id = 't3'"
          + " ORDER BY tenant_id)"));
      assertEquals("2000", single(c, "SELECT duration_ms FROM trace_summaries WHERE trace_id = 't3' AND tenant_id = 'acme'"));
      assertEquals("acme|api|run", single(c, "SELECT tenant_id || '|' || service_name || '|' || span_name"
          + " FROM service_span_names WHERE span_name = 'run' AND tenant_id = 'acme'"));
      assertEquals("acme", single(c, "SELECT tenant_id FROM trace_services WHERE trace_id = 't1'"));
      assertEquals("7", single(c, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
          + " AND tbl_name = 'trace_summaries' AND name LIKE 'trace_summaries_%'"));
    }
  }

  @Test
  void secondRunAppliesNothing() {
    SqliteSettings settings = settings();
    SchemaMigrator.fromClasspath().migrate(settings);
    assertEquals(List.of(), SchemaMigrator.fromClasspath().migrate(settings));
  }

  @Test
  void existingSwarmDatabaseKeepsItsTablesAndSpansMayNameUnknownTickets() throws Exception {
    SqliteSettings settings = settings();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT)");
      s.execute("CREATE TABLE tickets (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id), title TEXT)");
      s.execute("CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT)");
      s.execute("INSERT INTO tenants VALUES ('tenant-1', 'Acme')");
      s.execute("INSERT INTO tickets VALUES ('TCK-1', 'tenant-1', 'Fix it')");
    }
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), SchemaMigrator.fromClasspath().migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals("Acme", single(c, "SELECT name FROM tenants WHERE id = 'tenant-1'"));
      assertEquals("1", single(c, "SELECT count(*) FROM tickets"));
      // The existing file keeps its page size; WAL is on.
      assertEquals("4096", single(c, "PRAGMA page_size"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
      exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time, tenant_id, ticket_id, agent_id)"
          + " VALUES ('s1', 't1', 'n', '2026-01-01T00:00:00.000Z', 'tenant-9', 'TCK-404', 'agent-x')");
      assertEquals("TCK-404", single(c, "SELECT ticket_id FROM agent_traces"));
    }
  }

  @Test
  void refusesAnAgentTracesTableKeyedBySpanIdAlone() throws Exception {
    SqliteSettings settings = settings();
    try (Connection c = settings.openConnection()) {
      exec(c, "CREATE TABLE agent_traces (id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, span_name TEXT NOT NULL,"
          + " start_time TEXT NOT NULL)");
      exec(c, "INSERT INTO agent_traces VALUES ('s1', 't1', 'n', 'x')");
    }
    SchemaMigrationException e =
        assertThrows(SchemaMigrationException.class, () -> SchemaMigrator.fromClasspath().migrate(settings));
    assertTrue(e.getMessage().contains("PRIMARY KEY (id)"), e.getMessage());
    try (Connection c = settings.openConnection()) {
      assertEquals("1", single(c, "SELECT count(*) FROM agent_traces"));
      assertEquals("0", single(c, "SELECT count(*) FROM schema_migrations"));
      assertEquals(null, SchemaMigrator.primaryKeyColumns(c, "trace_summaries"));
    }
  }

  @Test
  void laterMigrationsApplyInOrderExactlyOnce() throws Exception {
    SqliteSettings settings = settings();
    List<Migration> first = new ArrayList<>(List.of(
        new Migration(2, "seed", "INSERT INTO log (step) VALUES ('v2');"),
        new Migration(1, "create", "CREATE TABLE log (n INTEGER PRIMARY KEY, step TEXT);")));
    assertEquals(List.of(1, 2), new SchemaMigrator(first).migrate(settings));
    first.add(new Migration(3, "more", "INSERT INTO log (step) VALUES ('v3'); INSERT INTO log (step) VALUES ('v3;b')"));
    assertEquals(List.of(3), new SchemaMigrator(first).migrate(settings));
    assertEquals(List.of(), new SchemaMigrator(first).migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals("v2,v3,v3;b", single(c, "SELECT group_concat(step) FROM (SELECT step FROM log ORDER BY n)"));
      assertEquals(List.of(1, 2, 3), List.copyOf(SchemaMigrator.appliedVersions(c).keySet()));
    }
  }

  @Test
  void aFailingMigrationLeavesNothingBehind() throws Exception {
    SqliteSettings settings = settings();
    List<Migration> migrations = List.of(
        new Migration(1, "good", "CREATE TABLE a (x);"),
        new Migration(2, "bad", "CREATE TABLE b (x); INSERT INTO no_such_table VALUES (1);"));
    SchemaMigrationException e =
        assertThrows(SchemaMigrationException.class, () -> new SchemaMigrator(migrations).migrate(settings));
    assertTrue(e.getMessage().contains("V2__bad"), e.getMessage());
    try (Connection c = settings.openConnection()) {
      assertEquals(List.of(1), List.copyOf(SchemaMigrator.appliedVersions(c).keySet()));
      assertEquals(null, SchemaMigrator.primaryKeyColumns(c, "b"));
    }
  }

  @Test
  void refusesAnEditedAppliedMigrationAndANewerDatabase() {
    SqliteSettings settings = settings();
    new SchemaMigrator(List.of(new Migration(1, "a", "CREATE TABLE a (x);"),
        new Migration(2, "b", "CREATE TABLE b (x);"))).migrate(settings);
    SchemaMigrationException edited = assertThrows(SchemaMigrationException.class, () -> new SchemaMigrator(
        List.of(new Migration(1, "a", "CREATE TABLE a (x, y);"), new Migration(2, "b", "CREATE TABLE b (x);")))
        .migrate(settings));
    assertTrue(edited.getMessage().contains("edited"), edited.getMessage());
    SchemaMigrationException newer = assertThrows(SchemaMigrationException.class,
        () -> new SchemaMigrator(List.of(new Migration(1, "a", "CREATE TABLE a (x);"))).migrate(settings));
    assertTrue(newer.getMessage().contains("newer"), newer.getMessage());
  }

  @Test
  void duplicateVersionsAreRejected() {
    assertThrows(SchemaMigrationException.class, () -> new SchemaMigrator(
        List.of(new Migration(1, "a", "SELECT 1"), new Migration(1, "b", "SELECT 2"))));
  }

  @Test
  void classpathHoldsTheVersionedScriptsInOrder() {
    List<Migration> migrations = SchemaMigrator.fromClasspath().migrations();
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), migrations.stream().map(Migration::version).toList());
    assertEquals("agent_traces", migrations.get(0).description());
    assertFalse(migrations.get(0).sql().isBlank());
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static String single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next(), sql);
      return rs.getString(1);
    }
  }
}
