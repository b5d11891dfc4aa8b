package dev.swarm.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.DB;

/**
 * SQLite files as the hand-written SchemaMigrator (before Flyway) left them: a new file prepared with the large page
 * size and incremental auto-vacuum, then V1..Vn each executed in its own IMMEDIATE transaction together with its row
 * in {@code schema_migrations} (version, description, SHA-256 checksum of the script). No Flyway history.
 */
final class OldMigratorFiles {

  /** The scripts the old migrator shipped, in version order. */
  static final List<String> SCRIPTS = List.of("V1__agent_traces.sql", "V2__trace_summaries.sql",
      "V3__zipkin_service_index.sql", "V4__retention_index.sql", "V5__search_indexes.sql",
      "V6__first_span_count.sql", "V7__tenant_in_identity.sql");

  private static final String CREATE_HISTORY = "CREATE TABLE IF NOT EXISTS schema_migrations ("
      + " version INTEGER PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL,"
      + " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";

  private OldMigratorFiles() {}

  /** A new file at version {@code upTo}, scripts from the classpath. */
  static void create(SqliteSettings settings, int upTo) throws SQLException {
    create(settings, upTo, null);
  }

  /** As {@link #create(SqliteSettings, int)}, with scripts from {@code folder} when not null. */
  static void create(SqliteSettings settings, int upTo, Path folder) throws SQLException {
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
        if (!rs.next() || rs.getInt(1) != 0) {
          throw new IllegalStateException("not a new file: " + settings.path());
        }
      }
      s.execute("PRAGMA journal_mode=DELETE");
      s.execute("PRAGMA page_size=" + SqliteSettings.NEW_DATABASE_PAGE_SIZE);
      s.execute("PRAGMA auto_vacuum=INCREMENTAL");
      s.execute("VACUUM");
      s.execute("PRAGMA journal_mode=WAL");
      s.execute(CREATE_HISTORY);
      for (int v = 1; v <= upTo; v++) {
        String name = SCRIPTS.get(v - 1);
        String sql = script(name, folder);
        String description = name.substring(name.indexOf("__") + 2, name.length() - ".sql".length());
        // sqlite3_exec runs every statement of the script, as the old splitter fed them one by one.
        DB db = c.unwrap(SQLiteConnection.class).getDatabase();
        int rc = db._exec("BEGIN IMMEDIATE;\n" + sql + "\n;\n"
            + "INSERT INTO schema_migrations (version, description, checksum) VALUES (" + v + ", '" + description
            + "', '" + SqliteSchema.sha256(sql) + "');\nCOMMIT;");
        if (rc != 0) {
          throw new SQLException(name + " failed with SQLite code " + rc);
        }
      }
    }
  }

  static String script(String name, Path folder) {
    try {
      if (folder != null) {
        return Files.readString(folder.resolve(name), StandardCharsets.UTF_8);
      }
      try (InputStream in = OldMigratorFiles.class.getClassLoader().getResourceAsStream("db/migration/" + name)) {
        if (in == null) {
          throw new IOException("missing db/migration/" + name);
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies the classpath scripts into {@code folder}, for tests that edit or add scripts. */
  static Path copyScripts(Path folder) throws IOException {
    Files.createDirectories(folder);
    for (String name : SCRIPTS) {
      Files.writeString(folder.resolve(name), script(name, null), StandardCharsets.UTF_8);
    }
    return folder;
  }
}
