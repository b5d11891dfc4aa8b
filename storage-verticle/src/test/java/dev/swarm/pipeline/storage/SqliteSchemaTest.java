package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flyway on real SQLite files: new files, files of other applications, and files the hand-written migrator made
 * (OldMigratorFiles), compared against the schema that migrator produced (sqlite-schema-v7.txt).
 */
class SqliteSchemaTest {

  private static final List<String> ALL = List.of("1", "2", "3", "4", "5", "6", "7");

  @TempDir
  Path dir;

  private SqliteSettings settings() {
    return SqliteSettings.defaults(dir.resolve("swarm.db"));
  }

  @Test
  void aNewFileGetsEveryVersionAndTheSchemaAndPragmasTheOldMigratorGave() throws Exception {
    SqliteSettings settings = settings();
    assertEquals(ALL, SqliteSchema.migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals(expectedSchema(), schema(c));
      // Set on the empty file before the first table, as before: 32 KiB pages, incremental auto-vacuum, WAL.
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("2", single(c, "PRAGMA auto_vacuum")); // INCREMENTAL
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
      assertEquals("UTF-8", single(c, "PRAGMA encoding"));
      assertEquals("0", single(c, "PRAGMA foreign_keys"));
      assertEquals("1", single(c, "PRAGMA synchronous")); // NORMAL
      assertEquals("5000", single(c, "PRAGMA busy_timeout"));
      // Flyway keeps the history; the old table is not made any more.
      assertEquals("0", single(c, "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'"));
      assertEquals("1,2,3,4,5,6,7", history(c));
      assertEquals("V1__agent_traces.sql", single(c, "SELECT script FROM flyway_schema_history WHERE version = '1'"));
      assertEquals(List.of("trace_id", "tenant_id", "id"), SqliteSchema.primaryKeyColumns(c, "agent_traces"));
      assertEquals(List.of("trace_id", "tenant_id"), SqliteSchema.primaryKeyColumns(c, "trace_summaries"));
      // The design's defaults and CHECK constraints.
      exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time) VALUES ('a', 't', 'n', 'x')");
      assertEquals("{}|[]|", single(c, "SELECT attributes || '|' || events || '|' || tenant_id FROM agent_traces"));
      assertTrue(single(c, "SELECT created_at FROM agent_traces").matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
      assertThrows(SQLException.class, () -> exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time,"
          + " span_kind) VALUES ('b', 't', 'n', 'x', 'producer')"));
      assertThrows(SQLException.class, () -> exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time,"
          + " status) VALUES ('b', 't', 'n', 'x', 'failed')"));
    }
  }

  @Test
  void aMissingFileIsCreatedWithThePageSizeAndAutoVacuumInItsHeader() throws Exception {
    SqliteSettings settings = settings();
    assertTrue(SqliteSchema.createNewFile(settings));
    assertFalse(SqliteSchema.createNewFile(settings), "an existing file is left alone");
    try (Connection c = settings.openConnection()) {
      assertEquals("0", single(c, "SELECT count(*) FROM sqlite_schema"));
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("2", single(c, "PRAGMA auto_vacuum"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
    }
  }

  @Test
  void aFileLeftWithoutTablesAndWithOtherSettingsIsRebuiltBeforeTheFirstTable() throws Exception {
    // As a process stopped between opening a new file (4 KiB pages, no auto-vacuum) and migrating it leaves it.
    SqliteSettings settings = settings();
    try (Connection c = settings.openConnection()) {
      assertEquals("4096", single(c, "PRAGMA page_size"));
      assertEquals("0", single(c, "PRAGMA auto_vacuum"));
    }
    assertEquals(ALL, SqliteSchema.migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("2", single(c, "PRAGMA auto_vacuum"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
      assertEquals(expectedSchema(), schema(c));
    }
  }

  @Test
  void aSecondRunAppliesNothing() throws Exception {
    SqliteSettings settings = settings();
    SqliteSchema.migrate(settings);
    assertEquals(List.of(), SqliteSchema.migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals("1,2,3,4,5,6,7", history(c));
    }
  }

  @Test
  void anOldMigratorFileAtV7IsTakenOverWithNothingReappliedAndItsDataIntact() throws Exception {
    SqliteSettings settings = settings();
    OldMigratorFiles.create(settings, 7);
    String recorded;
    try (Connection c = settings.openConnection()) {
      exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time, tenant_id) VALUES"
          + " ('r', 't1', 'run', '2026-01-01T00:00:00.000Z', 'acme'), ('a', 't1', 'call', '2026-01-01T00:00:00.100Z', 'acme')");
      exec(c, "INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict)"
          + " VALUES ('t1', 'acme', '2026-01-01T00:00:00.000Z', 2, 1, 'complete')");
      exec(c, "INSERT INTO service_span_names VALUES ('acme', 'api', 'run')");
      recorded = oldHistory(c);
    }

    assertEquals(List.of(), SqliteSchema.migrate(settings));
    assertEquals(List.of(), SqliteSchema.migrate(settings));

    try (Connection c = settings.openConnection()) {
      assertEquals(expectedSchema(), schema(c));
      assertEquals("2", single(c, "SELECT count(*) FROM agent_traces"));
      assertEquals("acme|2|complete", single(c, "SELECT tenant_id || '|' || span_count || '|' || verdict"
          + " FROM trace_summaries WHERE trace_id = 't1'"));
      assertEquals("1", single(c, "SELECT count(*) FROM service_span_names"));
      // The old history stays, untouched; Flyway's starts with a baseline at the newest version it recorded.
      assertEquals(recorded, oldHistory(c));
      assertEquals("7|BASELINE|" + SqliteSchema.TAKEOVER_DESCRIPTION, single(c,
          "SELECT group_concat(version || '|' || type || '|' || description) FROM flyway_schema_history"));
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("2", single(c, "PRAGMA auto_vacuum"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
    }
  }

  @Test
  void anOldMigratorFileAtV5IsBroughtToV7ByFlyway() throws Exception {
    SqliteSettings settings = settings();
    OldMigratorFiles.create(settings, 5);
    try (Connection c = settings.openConnection()) {
      // t1: one tenant; t2: no tenant; t3: spans of two tenants under one trace id (possible before V7).
      exec(c, "INSERT INTO agent_traces (id, trace_id, parent_span_id, span_name, start_time, end_time, tenant_id,"
          + " attributes) VALUES ('r', 't1', NULL, 'run', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z',"
          + " 'acme', '{\"service.name\":\"API\"}'), ('a', 't1', 'r', 'call', '2026-01-01T00:00:00.100Z', NULL, 'acme', '{}'),"
          + " ('r', 't2', NULL, 'run', '2026-01-01T00:00:00.000Z', NULL, NULL, '{}'),"
          + " ('r', 't3', NULL, 'run', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z', 'acme', '{}'),"
          + " ('x', 't3', 'r', 'forged', '2026-01-01T00:00:00.500Z', NULL, 'mallory', '{}')");
      exec(c, "INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict)"
          + " VALUES ('t1', 'acme', '2026-01-01T00:00:00.000Z', 2, 1, 'complete'),"
          + " ('t2', NULL, '2026-01-01T00:00:00.000Z', 1, 1, 'complete'),"
          + " ('t3', 'acme', '2026-01-01T00:00:00.000Z', 2, 1, 'complete')");
      exec(c, "INSERT INTO service_span_names VALUES ('api', 'run')");
      exec(c, "INSERT INTO trace_services VALUES ('api', '2026-01-01T00:00:00.000Z', 't1')");
    }

    assertEquals(List.of("6", "7"), SqliteSchema.migrate(settings));

    try (Connection c = settings.openConnection()) {
      assertEquals(expectedSchema(), schema(c));
      assertEquals("5|BASELINE,6|SQL,7|SQL", single(c, "SELECT group_concat(version || '|' || type) FROM"
          + " (SELECT * FROM flyway_schema_history ORDER BY installed_rank)"));
      assertEquals("1,2,3,4,5", single(c, "SELECT group_concat(version) FROM (SELECT version FROM schema_migrations"
          + " ORDER BY version)"));
      // V7's data migration ran as under the old migrator.
      assertEquals("5", single(c, "SELECT count(*) FROM agent_traces"));
      assertEquals("", single(c, "SELECT tenant_id FROM agent_traces WHERE trace_id = 't2'"));
      assertEquals("acme|2|complete", single(c, "SELECT tenant_id || '|' || span_count || '|' || verdict"
          + " FROM trace_summaries WHERE trace_id = 't1'"));
      assertEquals("acme:1:1:0,mallory:1:0:0", single(c, "SELECT group_concat(tenant_id || ':' || span_count || ':'"
          + " || root_count || ':' || complete, ',') FROM (SELECT * FROM trace_summaries WHERE trace_id = 't3'"
          + " ORDER BY tenant_id)"));
      assertEquals("2000", single(c, "SELECT duration_ms FROM trace_summaries WHERE trace_id = 't3' AND tenant_id = 'acme'"));
      assertEquals("acme|api|run", single(c, "SELECT tenant_id || '|' || service_name || '|' || span_name"
          + " FROM service_span_names WHERE span_name = 'run' AND tenant_id = 'acme'"));
      assertEquals("acme", single(c, "SELECT tenant_id FROM trace_services WHERE trace_id = 't1'"));
      assertEquals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE), single(c, "PRAGMA page_size"));
      assertEquals("2", single(c, "PRAGMA auto_vacuum"));
    }
    assertEquals(List.of(), SqliteSchema.migrate(settings));
  }

  @Test
  void anExistingSwarmDatabaseKeepsItsTablesAndPageSizeAndGetsEveryVersion() throws Exception {
    SqliteSettings settings = settings();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT)");
      s.execute("CREATE TABLE tickets (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id), title TEXT)");
      s.execute("CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT)");
      s.execute("INSERT INTO tenants VALUES ('tenant-1', 'Acme')");
      s.execute("INSERT INTO tickets VALUES ('TCK-1', 'tenant-1', 'Fix it')");
    }
    assertEquals(ALL, SqliteSchema.migrate(settings));
    try (Connection c = settings.openConnection()) {
      assertEquals("Acme", single(c, "SELECT name FROM tenants WHERE id = 'tenant-1'"));
      assertEquals("1", single(c, "SELECT count(*) FROM tickets"));
      // An existing file keeps its page size and auto-vacuum mode; WAL is on.
      assertEquals("4096", single(c, "PRAGMA page_size"));
      assertEquals("0", single(c, "PRAGMA auto_vacuum"));
      assertEquals("wal", single(c, "PRAGMA journal_mode"));
      assertEquals("0|BASELINE,1|SQL,2|SQL,3|SQL,4|SQL,5|SQL,6|SQL,7|SQL", single(c, "SELECT group_concat(version"
          + " || '|' || type) FROM (SELECT * FROM flyway_schema_history ORDER BY installed_rank)"));
      assertEquals(expectedSchema(), schema(c, "tenants", "tickets", "agents", "sqlite_autoindex_tenants_1",
          "sqlite_autoindex_tickets_1", "sqlite_autoindex_agents_1"));
      exec(c, "INSERT INTO agent_traces (id, trace_id, span_name, start_time, tenant_id, ticket_id, agent_id)"
          + " VALUES ('s1', 't1', 'n', '2026-01-01T00:00:00.000Z', 'tenant-9', 'TCK-404', 'agent-x')");
      assertEquals("TCK-404", single(c, "SELECT ticket_id FROM agent_traces"));
    }
  }

  @Test
  void refusesAnAgentTracesTableKeyedBySpanIdAloneUntilItIsMovedAside() throws Exception {
    SqliteSettings settings = settings();
    try (Connection c = settings.openConnection()) {
      exec(c, "CREATE TABLE agent_traces (id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, span_name TEXT NOT NULL,"
          + " start_time TEXT NOT NULL)");
      exec(c, "INSERT INTO agent_traces VALUES ('s1', 't1', 'n', 'x')");
    }
    SchemaMigrationException e = assertThrows(SchemaMigrationException.class, () -> SqliteSchema.migrate(settings));
    assertTrue(e.getMessage().contains("PRIMARY KEY (id)"), e.getMessage());
    assertTrue(e.getMessage().contains(settings.path().toString()), e.getMessage());
    try (Connection c = settings.openConnection()) {
      assertEquals("1", single(c, "SELECT count(*) FROM agent_traces"));
      assertEquals(null, SqliteSchema.primaryKeyColumns(c, "trace_summaries"));
      // What the message says to do works.
      exec(c, "ALTER TABLE agent_traces RENAME TO agent_traces_v0");
    }
    assertEquals(ALL, SqliteSchema.migrate(settings));
  }

  @Test
  void anEditedAppliedScriptIsRefused() throws Exception {
    SqliteSettings settings = settings();
    Path scripts = OldMigratorFiles.copyScripts(dir.resolve("scripts"));
    String location = "filesystem:" + scripts;
    assertEquals(ALL, SqliteSchema.migrate(settings, location));
    Files.writeString(scripts.resolve("V3__zipkin_service_index.sql"), "\n-- edited\n", StandardOpenOption.APPEND);
    SchemaMigrationException e = assertThrows(SchemaMigrationException.class,
        () -> SqliteSchema.migrate(settings, location));
    assertTrue(e.getMessage().contains("checksum mismatch for migration version 3"), e.getMessage());
    assertTrue(e.getMessage().contains(settings.path().toString()), e.getMessage());
  }

  @Test
  void anOldMigratorFileWhoseScriptWasEditedSinceIsRefusedAtTakeover() throws Exception {
    SqliteSettings settings = settings();
    Path scripts = OldMigratorFiles.copyScripts(dir.resolve("scripts"));
    OldMigratorFiles.create(settings, 5, scripts);
    Files.writeString(scripts.resolve("V3__zipkin_service_index.sql"), "\n-- edited\n", StandardOpenOption.APPEND);
    SchemaMigrationException e = assertThrows(SchemaMigrationException.class,
        () -> SqliteSchema.migrate(settings, "filesystem:" + scripts));
    assertTrue(e.getMessage().contains("V3__zipkin_service_index.sql was edited"), e.getMessage());
    try (Connection c = settings.openConnection()) {
      assertEquals("0", single(c, "SELECT count(*) FROM sqlite_schema WHERE name = 'flyway_schema_history'"));
      assertEquals("0", single(c, "SELECT count(*) FROM pragma_table_info('trace_summaries')"
          + " WHERE name = 'first_span_count'"));
    }
  }

  @Test
  void aDatabaseNewerThanThisBuildIsRefused() throws Exception {
    // Flyway's history names a version this build does not have.
    SqliteSettings settings = settings();
    Path scripts = OldMigratorFiles.copyScripts(dir.resolve("scripts"));
    Files.writeString(scripts.resolve("V8__future.sql"), "CREATE TABLE future (x);\n");
    assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8"), SqliteSchema.migrate(settings, "filesystem:" + scripts));
    SchemaMigrationException e = assertThrows(SchemaMigrationException.class, () -> SqliteSchema.migrate(settings));
    assertTrue(e.getMessage().contains("not resolved locally: 8"), e.getMessage());

    // schema_migrations (old migrator) names a version this build does not have.
    SqliteSettings old = SqliteSettings.defaults(dir.resolve("old.db"));
    OldMigratorFiles.create(old, 7);
    try (Connection c = old.openConnection()) {
      exec(c, "INSERT INTO schema_migrations (version, description, checksum) VALUES (8, 'future', 'x')");
    }
    e = assertThrows(SchemaMigrationException.class, () -> SqliteSchema.migrate(old));
    assertTrue(e.getMessage().contains("version 8") && e.getMessage().contains("not in this build"), e.getMessage());
  }

  @Test
  void aFailingMigrationNamesItsFileAndVersionAndLeavesNothingBehind() throws Exception {
    SqliteSettings settings = settings();
    Path scripts = OldMigratorFiles.copyScripts(dir.resolve("scripts"));
    Files.writeString(scripts.resolve("V8__bad.sql"), "CREATE TABLE b (x);\nINSERT INTO no_such_table VALUES (1);\n");
    SchemaMigrationException e = assertThrows(SchemaMigrationException.class,
        () -> SqliteSchema.migrate(settings, "filesystem:" + scripts));
    assertTrue(e.getMessage().contains("V8__bad.sql"), e.getMessage());
    assertTrue(e.getMessage().contains("no such table: no_such_table"), e.getMessage());
    assertTrue(e.getMessage().contains(settings.path().toString()), e.getMessage());
    try (Connection c = settings.openConnection()) {
      assertEquals("1,2,3,4,5,6,7", history(c));
      assertEquals(null, SqliteSchema.primaryKeyColumns(c, "b"));
    }
    // Fixed, it applies; the earlier versions stay applied.
    Files.writeString(scripts.resolve("V8__bad.sql"), "CREATE TABLE b (x);\n");
    assertEquals(List.of("8"), SqliteSchema.migrate(settings, "filesystem:" + scripts));
  }

  @Test
  void twoProcessesMigratingOneNewFileApplyEachVersionOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      SqliteSettings settings = SqliteSettings.defaults(dir.resolve("race-" + round + ".db"));
      assertEquals(ALL, race(() -> SqliteSchema.migrate(settings)));
      try (Connection c = settings.openConnection()) {
        assertEquals("1,2,3,4,5,6,7", history(c));
        assertEquals(expectedSchema(), schema(c));
      }
    }
  }

  @Test
  void twoProcessesTakingOverOneOldFileApplyEachVersionOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      SqliteSettings settings = SqliteSettings.defaults(dir.resolve("race-old-" + round + ".db"));
      OldMigratorFiles.create(settings, 5);
      assertEquals(List.of("6", "7"), race(() -> SqliteSchema.migrate(settings)));
      try (Connection c = settings.openConnection()) {
        assertEquals("5,6,7", history(c));
        assertEquals(expectedSchema(), schema(c));
      }
    }
  }

  /** Runs {@code migrate} on two threads (each its own connection, like two processes); the versions both applied. */
  private static List<String> race(Callable<List<String>> migrate) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier start = new CyclicBarrier(2);
      List<Future<List<String>>> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        runs.add(pool.submit(() -> {
          start.await();
          return migrate.call();
        }));
      }
      List<String> applied = new ArrayList<>();
      for (Future<List<String>> run : runs) {
        applied.addAll(run.get(60, TimeUnit.SECONDS));
      }
      applied.sort((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
      return applied;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Versions in Flyway's history, successful ones in order, the baseline included. */
  private static String history(Connection c) throws SQLException {
    return single(c, "SELECT group_concat(version) FROM (SELECT version FROM flyway_schema_history WHERE success = 1"
        + " ORDER BY installed_rank)");
  }

  private static String oldHistory(Connection c) throws SQLException {
    return single(c, "SELECT group_concat(version || '|' || description || '|' || checksum || '|' || applied_at, ';')"
        + " FROM (SELECT * FROM schema_migrations ORDER BY version)");
  }

  /** The old migrator's schema of a V7 file (test resource), one entry per object. */
  private static List<String> expectedSchema() throws IOException {
    try (InputStream in = SqliteSchemaTest.class.getClassLoader().getResourceAsStream("sqlite-schema-v7.txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      StringBuilder body = new StringBuilder();
      for (String line : text.split("\n", -1)) {
        if (!line.startsWith("#")) {
          body.append(line).append('\n');
        }
      }
      List<String> out = new ArrayList<>();
      for (String entry : body.toString().split("\n---\n")) {
        if (!entry.isBlank()) {
          out.add(entry.strip());
        }
      }
      return out;
    }
  }

  /** sqlite_schema without the history tables (and without {@code others}), in the resource's format. */
  private static List<String> schema(Connection c, String... others) throws SQLException {
    List<String> skip = new ArrayList<>(List.of("schema_migrations", "flyway_schema_history",
        "flyway_schema_history_s_idx", "sqlite_autoindex_schema_migrations_1", "sqlite_autoindex_flyway_schema_history_1"));
    skip.addAll(List.of(others));
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")) {
      while (rs.next()) {
        if (!skip.contains(rs.getString(2))) {
          out.add((rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4)).strip());
        }
      }
    }
    return out;
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
