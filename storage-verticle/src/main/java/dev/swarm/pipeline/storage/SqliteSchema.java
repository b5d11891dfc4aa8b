package dev.swarm.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Brings the SQLite trace database to the newest schema with Flyway: the {@code V<n>__*.sql} scripts under
 * {@link #LOCATION} (in the schemas module), each applied once, in version order, in its own transaction together
 * with its row in {@value #HISTORY_TABLE}. Blocking (JDBC): run it once at start, off the event loop, before the
 * pools open. The PostgreSQL backend does the same with its own scripts (PostgresSchema).
 *
 * <p>Around Flyway, as the hand-written migrator before it did:
 *
 * <ul>
 *   <li>A new file first gets the larger page size and incremental auto-vacuum, both settable only before the
 *       first table (an existing file keeps its own), then WAL; see {@link #prepareNewFile}.
 *   <li>A file made by the old migrator (versions recorded in {@value #OLD_HISTORY_TABLE}, no Flyway history) is
 *       taken over: its recorded scripts are checked against this build's (SHA-256, as the old migrator did), Flyway
 *       baselines at the newest recorded version, and only later versions run. {@value #OLD_HISTORY_TABLE} stays in
 *       the file, no longer written.
 *   <li>Any other non-empty file without history (a shared swarm.db holding other tables) is baselined at version 0,
 *       so every script runs; an {@code agent_traces} table already there stops V1 with a message saying what to do.
 *   <li>Every connection is opened by {@link SqliteSettings#migrationDataSource()}: WAL, busy timeout, and
 *       BEGIN IMMEDIATE transactions, so a second process migrating the same file waits for the first one's
 *       transaction and then finds the version applied.
 * </ul>
 *
 * A failure (a failing script, an applied script edited since, a database newer than this build, a corrupt file) is
 * a {@link SchemaMigrationException} naming the file and, for a script, its version and name.
 */
public final class SqliteSchema {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteSchema.class);

  /** Classpath folder of the migration scripts (they live in the schemas module). */
  public static final String LOCATION = "db/migration";

  /** Flyway's history table: one row per applied version (or the baseline). */
  public static final String HISTORY_TABLE = "flyway_schema_history";

  /** Where the hand-written migrator recorded versions before Flyway; read once at takeover, never written. */
  public static final String OLD_HISTORY_TABLE = "schema_migrations";

  /** Description of the baseline row of a file taken over from {@value #OLD_HISTORY_TABLE}. */
  static final String TAKEOVER_DESCRIPTION = "<< taken over from schema_migrations >>";

  private SqliteSchema() {}

  /**
   * Applies the pending migrations; returns the versions applied now, in order (empty when up to date).
   *
   * @throws SchemaMigrationException when the file cannot be opened or migrated; the message says why
   */
  public static List<String> migrate(SqliteSettings settings) {
    return migrate(settings, "classpath:" + LOCATION);
  }

  /** As {@link #migrate(SqliteSettings)} with scripts from a Flyway location ({@code classpath:} or {@code filesystem:}). */
  static List<String> migrate(SqliteSettings settings, String location) {
    String baseline;
    boolean hadHistory;
    try {
      prepareNewFileRetryingBusy(settings);
      try (Connection c = settings.openConnection()) {
        hadHistory = tableExists(c, HISTORY_TABLE);
        baseline = takeOverVersion(c, location);
      }
    } catch (SQLException e) {
      String hint = String.valueOf(e.getMessage()).contains("SQLITE_NOTADB") || String.valueOf(e.getMessage()).contains("SQLITE_CORRUPT")
          ? " — the file is not a SQLite database or is corrupt; it is never replaced: move it away (or restore a"
              + " backup) and start again, and storage creates a new one and replays what Kafka still holds"
          : "";
      throw new SchemaMigrationException("cannot open or migrate " + settings.path() + ": " + e.getMessage() + hint, e);
    } catch (SchemaMigrationException e) {
      throw new SchemaMigrationException("cannot migrate " + settings.path() + ": " + e.getMessage(), e);
    }
    FluentConfiguration config = configure(settings, location);
    if (baseline != null) {
      config.baselineVersion(baseline).baselineDescription(TAKEOVER_DESCRIPTION);
    }
    try {
      return applyPending(config);
    } catch (FlywayException first) {
      if (hadHistory || !historyExists(settings)) {
        throw explain(settings, first);
      }
      // Another process created the history between Flyway's two looks at a file without one (is there a history?
      // is the file empty?), and Flyway then refused to baseline over its rows. Flyway does not lock across those
      // looks on SQLite; with the history there, a second run takes the ordinary path, where each version's
      // BEGIN IMMEDIATE transaction waits for the other process and finds the version applied. A real failure (a
      // failing script) fails the same way again.
      LOG.info("Migrating " + settings.path() + " failed on a file without schema history, which has one now"
          + " (another process migrating it at the same time?); migrating once more: " + first.getMessage());
      try {
        return applyPending(config);
      } catch (FlywayException again) {
        throw explain(settings, again);
      }
    }
  }

  private static List<String> applyPending(FluentConfiguration config) {
    MigrateResult result = config.load().migrate();
    List<String> applied = new ArrayList<>();
    for (MigrateOutput m : result.migrations) {
      applied.add(m.version);
    }
    return applied;
  }

  private static boolean historyExists(SqliteSettings settings) {
    try (Connection c = settings.openConnection()) {
      return tableExists(c, HISTORY_TABLE);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Flyway's failure as ours: the file's path, our own refusal unwrapped, a hint for a failed validation. */
  private static SchemaMigrationException explain(SqliteSettings settings, FlywayException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SchemaMigrationException own) {
        // Our own refusal (RefuseOldSpanKey), without Flyway's callback wrapping.
        return new SchemaMigrationException("cannot migrate " + settings.path() + ": " + own.getMessage(), own);
      }
    }
    // Flyway's message names the script (version and file), its line and SQLite's error.
    String hint = String.valueOf(e.getMessage()).contains("Validate failed")
        ? "\n(The file's migration history does not match this build's scripts: an applied script was edited —"
            + " revert it and add a new migration instead — or a newer build migrated this file — run that build.)"
        : "";
    return new SchemaMigrationException("cannot migrate " + settings.path() + ": " + e.getMessage() + hint, e);
  }

  private static FluentConfiguration configure(SqliteSettings settings, String location) {
    return Flyway.configure(SqliteSchema.class.getClassLoader())
        .dataSource(settings.migrationDataSource())
        .locations(location)
        .failOnMissingLocations(true)
        .table(HISTORY_TABLE)
        // A file with other tables but no history (a shared swarm.db) gets every script, V1 on.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        // Versions applied that this build does not have (a newer build ran) fail validation, as the old migrator
        // refused a newer database, instead of being ignored (Flyway's default ignores "future" migrations).
        .ignoreMigrationPatterns(new String[0])
        .callbacks(new RefuseOldSpanKey());
  }

  /**
   * {@link #prepareNewFile} again while another process prepares the same new file. Changing the journal mode needs
   * the file to itself, and SQLite answers SQLITE_BUSY at once, without the busy timeout, when two connections would
   * otherwise wait for each other; the second try finds the file prepared. Bounded by the busy timeout.
   */
  private static void prepareNewFileRetryingBusy(SqliteSettings settings) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.busyTimeoutMs());
    while (true) {
      try {
        prepareNewFile(settings);
        return;
      } catch (SQLiteException e) {
        if (e.getResultCode().code != SQLiteErrorCode.SQLITE_BUSY.code || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
  }

  /**
   * A new file gets the larger page size and incremental auto-vacuum, so retention can give free pages back to the
   * filesystem; both are settable only before the first table, and an existing file keeps its own.
   *
   * <p>A file that does not exist yet (or has 0 bytes) gets them as pending settings of a bare connection (one that
   * does not switch to WAL when it opens) that its first write, the switch to WAL, puts in the header. Two processes
   * starting on a missing file at once both do that, and the first switch wins with the same values. A file with a
   * header but no table and other settings (a process stopped before its first migration) is rebuilt with VACUUM
   * instead, in rollback-journal mode since WAL fixes the page size.
   */
  private static void prepareNewFile(SqliteSettings settings) throws SQLException {
    createNewFile(settings);
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      boolean empty;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
        empty = rs.next() && rs.getInt(1) == 0;
      }
      if (empty && !(pragma(s, "page_size").equals(Integer.toString(SqliteSettings.NEW_DATABASE_PAGE_SIZE))
          && pragma(s, "auto_vacuum").equals("2"))) {
        s.execute("PRAGMA journal_mode=DELETE");
        s.execute("PRAGMA page_size=" + SqliteSettings.NEW_DATABASE_PAGE_SIZE);
        s.execute("PRAGMA auto_vacuum=INCREMENTAL");
        s.execute("VACUUM");
        s.execute("PRAGMA journal_mode=WAL");
      }
    }
  }

  /**
   * Creates the file with the new-file settings when it does not exist or has 0 bytes; returns whether it did. Its
   * connection does not switch to WAL on opening (as every other does), so the page size and auto-vacuum mode set
   * first are still pending when the switch to WAL writes the header.
   */
  static boolean createNewFile(SqliteSettings settings) throws SQLException {
    Path file = settings.path();
    try {
      if (Files.exists(file) && Files.size(file) > 0) {
        return false;
      }
    } catch (IOException e) {
      throw new SQLException("cannot read the size of " + file + ": " + e, e);
    }
    SQLiteConfig bare = new SQLiteConfig();
    bare.setBusyTimeout(settings.busyTimeoutMs());
    SQLiteDataSource ds = new SQLiteDataSource(bare);
    ds.setUrl(settings.jdbcUrl());
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("PRAGMA page_size=" + SqliteSettings.NEW_DATABASE_PAGE_SIZE);
      s.execute("PRAGMA auto_vacuum=INCREMENTAL");
      s.execute("PRAGMA journal_mode=WAL");
    }
    return true;
  }

  private static String pragma(Statement s, String name) throws SQLException {
    try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getString(1) : "";
    }
  }

  /**
   * The version to baseline a file made by the old migrator at: the newest in {@value #OLD_HISTORY_TABLE}, once the
   * recorded scripts are checked against this build's. Null when Flyway already keeps the file's history or the old
   * migrator recorded nothing.
   */
  private static String takeOverVersion(Connection c, String location) throws SQLException {
    if (tableExists(c, HISTORY_TABLE) || !tableExists(c, OLD_HISTORY_TABLE)) {
      return null;
    }
    Map<Integer, String[]> recorded = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, description, checksum FROM " + OLD_HISTORY_TABLE
            + " ORDER BY version")) {
      while (rs.next()) {
        recorded.put(rs.getInt(1), new String[] {rs.getString(2), rs.getString(3)});
      }
    }
    if (recorded.isEmpty()) {
      return null;
    }
    int expected = 1;
    for (Map.Entry<Integer, String[]> e : recorded.entrySet()) {
      int version = e.getKey();
      String script = "V" + version + "__" + e.getValue()[0] + ".sql";
      if (version != expected++) {
        throw new SchemaMigrationException(OLD_HISTORY_TABLE + " records versions " + recorded.keySet()
            + " with a gap before " + script + "; refusing to guess which scripts ran");
      }
      String sql = readScript(location, script);
      if (sql == null) {
        throw new SchemaMigrationException("database schema version " + version + " (" + script + " in "
            + OLD_HISTORY_TABLE + ") is not in this build; refusing to run an older build against it");
      }
      if (!sha256(sql).equals(e.getValue()[1])) {
        throw new SchemaMigrationException("migration " + script + " was edited after it was applied (checksum"
            + " differs from " + OLD_HISTORY_TABLE + "); add a new migration instead");
      }
    }
    return Integer.toString(expected - 1);
  }

  private static boolean tableExists(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** A script's text from a {@code classpath:} or {@code filesystem:} location, null when there is none. */
  private static String readScript(String location, String script) {
    try {
      if (location.startsWith("filesystem:")) {
        Path file = Path.of(location.substring("filesystem:".length())).resolve(script);
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
      }
      String folder = location.startsWith("classpath:") ? location.substring("classpath:".length()) : location;
      try (InputStream in = SqliteSchema.class.getClassLoader().getResourceAsStream(folder + "/" + script)) {
        return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new SchemaMigrationException("cannot read migration " + script + " from " + location + ": " + e, e);
    }
  }

  /** The checksum the old migrator recorded: SHA-256 of the script's text, in hex. */
  static String sha256(String sql) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Before V1: an agent_traces table created by the original design (PRIMARY KEY on id alone) would silently lose
   * spans of different traces that share an id; refuse to run on it rather than misbehave. Runs in V1's transaction.
   */
  private static final class RefuseOldSpanKey implements Callback {

    @Override
    public boolean supports(Event event, Context context) {
      if (event != Event.BEFORE_EACH_MIGRATE) {
        return false;
      }
      // Flyway also asks without a context, when it registers the callback.
      MigrationInfo m = context == null ? null : context.getMigrationInfo();
      return m == null || (m.getVersion() != null && "1".equals(m.getVersion().getVersion()));
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
      return true;
    }

    @Override
    public void handle(Event event, Context context) {
      MigrationInfo m = context.getMigrationInfo();
      if (m == null || m.getVersion() == null || !"1".equals(m.getVersion().getVersion())) {
        return;
      }
      List<String> keyColumns;
      try {
        keyColumns = primaryKeyColumns(context.getConnection(), "agent_traces");
      } catch (SQLException e) {
        throw new SchemaMigrationException("cannot read the layout of agent_traces: " + e.getMessage(), e);
      }
      if (keyColumns == null) {
        return;
      }
      if (keyColumns.equals(List.of("id"))) {
        throw new SchemaMigrationException("table agent_traces already exists with PRIMARY KEY (id); this service"
            + " keys spans by (trace_id, id) because span ids are unique only within a trace. Move the old table"
            + " aside (ALTER TABLE agent_traces RENAME TO agent_traces_v0), restart to create the new one, then"
            + " copy rows with INSERT OR IGNORE INTO agent_traces SELECT * FROM agent_traces_v0 (see"
            + " storage-verticle/README.md)");
      }
      throw new SchemaMigrationException("table agent_traces already exists (primary key " + keyColumns
          + ") but no migration history records V1; refusing to guess its layout");
    }

    @Override
    public String getCallbackName() {
      return "refuse-old-span-key";
    }
  }

  /** The table's primary-key columns in key order, or null when the table does not exist. */
  static List<String> primaryKeyColumns(Connection c, String table) throws SQLException {
    List<String[]> keyed = new ArrayList<>();
    boolean exists = false;
    try (PreparedStatement ps = c.prepareStatement("SELECT name, pk FROM pragma_table_info(?)")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          exists = true;
          if (rs.getInt(2) != 0) {
            keyed.add(new String[] {rs.getString(1), Integer.toString(rs.getInt(2))});
          }
        }
      }
    }
    if (!exists) {
      return null;
    }
    keyed.sort(Comparator.comparingInt(r -> Integer.parseInt(r[1])));
    List<String> out = new ArrayList<>();
    for (String[] r : keyed) {
      out.add(r[0]);
    }
    return out;
  }
}
