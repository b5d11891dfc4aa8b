package dev.swarm.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Brings a SQLite database to the newest schema: applies each {@code V<n>__*.sql} migration not yet recorded
 * in {@code schema_migrations}, in version order, each in its own IMMEDIATE transaction together with its
 * record (so a crash or a second process never applies one twice). Plain JDBC: run it once at start, off the
 * event loop, before the pools open.
 */
public final class SchemaMigrator {

  /** Classpath folder of the migration scripts (they live in the schemas module). */
  public static final String LOCATION = "db/migration";

  private static final String CREATE_HISTORY = "CREATE TABLE IF NOT EXISTS schema_migrations ("
      + " version INTEGER PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL,"
      + " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";

  private final List<Migration> migrations;

  public SchemaMigrator(List<Migration> migrations) {
    List<Migration> sorted = new ArrayList<>(migrations);
    sorted.sort(Comparator.comparingInt(Migration::version));
    Set<Integer> seen = new HashSet<>();
    for (Migration m : sorted) {
      if (!seen.add(m.version())) {
        throw new SchemaMigrationException("two migrations share version " + m.version());
      }
    }
    this.migrations = List.copyOf(sorted);
  }

  /** The migrations under {@link #LOCATION} on the classpath. */
  public static SchemaMigrator fromClasspath() {
    return new SchemaMigrator(loadClasspathMigrations(SchemaMigrator.class.getClassLoader()));
  }

  public List<Migration> migrations() {
    return migrations;
  }

  /**
   * Applies the pending migrations; returns the versions applied now (empty when already up to date).
   *
   * @throws SchemaMigrationException when the database is newer than this build, an applied script was
   *     edited, an old-layout agent_traces table is in the way, or a script fails
   */
  public List<Integer> migrate(SqliteSettings settings) {
    try (Connection c = settings.openConnection()) {
      return migrate(c);
    } catch (SQLException e) {
      String hint = String.valueOf(e.getMessage()).contains("SQLITE_NOTADB") || String.valueOf(e.getMessage()).contains("SQLITE_CORRUPT")
          ? " — the file is not a SQLite database or is corrupt; it is never replaced: move it away (or restore a"
              + " backup) and start again, and storage creates a new one and replays what Kafka still holds"
          : "";
      throw new SchemaMigrationException("cannot open or migrate " + settings.path() + ": " + e.getMessage() + hint, e);
    }
  }

  /** As {@link #migrate(SqliteSettings)} on an open connection (left open, auto-commit restored). */
  public List<Integer> migrate(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try {
      prepareNewFile(c);
      try (Statement s = c.createStatement()) {
        s.execute(CREATE_HISTORY);
      }
      List<Integer> applied = new ArrayList<>();
      for (Migration m : migrations) {
        if (applyIfPending(c, m)) {
          applied.add(m.version());
        }
      }
      return applied;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** Versions recorded as applied, with their checksums. */
  public static Map<Integer, String> appliedVersions(Connection c) throws SQLException {
    Map<Integer, String> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, checksum FROM schema_migrations ORDER BY version")) {
      while (rs.next()) {
        out.put(rs.getInt(1), rs.getString(2));
      }
    }
    return out;
  }

  /**
   * A new, empty file gets the larger page size before WAL fixes it, and incremental auto-vacuum so retention can
   * give free pages back to the filesystem (both only settable before the first table; existing files keep theirs).
   */
  private static void prepareNewFile(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      boolean empty;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
        empty = rs.next() && rs.getInt(1) == 0;
      }
      if (empty) {
        s.execute("PRAGMA journal_mode=DELETE");
        s.execute("PRAGMA page_size=" + SqliteSettings.NEW_DATABASE_PAGE_SIZE);
        s.execute("PRAGMA auto_vacuum=INCREMENTAL");
        s.execute("VACUUM");
        s.execute("PRAGMA journal_mode=WAL");
      }
    }
  }

  private boolean applyIfPending(Connection c, Migration m) throws SQLException {
    // BEGIN IMMEDIATE (see SqliteSettings): a second migrating process waits here, then sees the record.
    c.setAutoCommit(false);
    try {
      Map<Integer, String> applied = appliedVersions(c);
      int newest = applied.keySet().stream().max(Integer::compare).orElse(0);
      int known = migrations.get(migrations.size() - 1).version();
      if (newest > known) {
        throw new SchemaMigrationException("database schema version " + newest
            + " is newer than this build knows (" + known + "); refusing to run an older build against it");
      }
      String checksum = applied.get(m.version());
      if (checksum != null) {
        if (!checksum.equals(m.checksum())) {
          throw new SchemaMigrationException("migration V" + m.version() + "__" + m.description()
              + " was edited after it was applied (checksum differs); add a new migration instead");
        }
        c.rollback();
        return false;
      }
      if (m.version() == 1) {
        refuseSingleColumnSpanKey(c);
      }
      try (Statement s = c.createStatement()) {
        for (String statement : SqlScript.statements(m.sql())) {
          s.execute(statement);
        }
      } catch (SQLException e) {
        throw new SchemaMigrationException("migration V" + m.version() + "__" + m.description() + " failed: "
            + e.getMessage(), e);
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO schema_migrations (version, description, checksum) VALUES (?, ?, ?)")) {
        ps.setInt(1, m.version());
        ps.setString(2, m.description());
        ps.setString(3, m.checksum());
        ps.executeUpdate();
      }
      c.commit();
      return true;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /**
   * An agent_traces table created by the original design (PRIMARY KEY on id alone) would silently lose
   * spans of different traces that share an id; refuse to run on it rather than misbehave.
   */
  private static void refuseSingleColumnSpanKey(Connection c) throws SQLException {
    List<String> keyColumns = primaryKeyColumns(c, "agent_traces");
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
        + ") but schema_migrations does not record V1; refusing to guess its layout");
  }

  /** The table's primary-key columns in key order, or null when the table does not exist. */
  static List<String> primaryKeyColumns(Connection c, String table) throws SQLException {
    List<String[]> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name, pk FROM pragma_table_info(?)")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new String[] {rs.getString(1), Integer.toString(rs.getInt(2))});
        }
      }
    }
    if (rows.isEmpty()) {
      return null;
    }
    List<String[]> keyed = new ArrayList<>();
    for (String[] r : rows) {
      if (!r[1].equals("0")) {
        keyed.add(r);
      }
    }
    keyed.sort(Comparator.comparingInt(r -> Integer.parseInt(r[1])));
    List<String> out = new ArrayList<>();
    for (String[] r : keyed) {
      out.add(r[0]);
    }
    return out;
  }

  /** Reads every {@code V<n>__*.sql} under {@link #LOCATION}, from folders and jars alike. */
  static List<Migration> loadClasspathMigrations(ClassLoader loader) {
    Map<String, Migration> byName = new LinkedHashMap<>();
    try {
      Enumeration<URL> roots = loader.getResources(LOCATION);
      for (URL root : Collections.list(roots)) {
        for (String name : listFolder(root)) {
          if (Migration.isMigrationFileName(name) && !byName.containsKey(name)) {
            byName.put(name, Migration.fromFile(name, readResource(loader, LOCATION + "/" + name)));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + LOCATION + " on the classpath", e);
    }
    if (byName.isEmpty()) {
      throw new SchemaMigrationException("no migrations found under " + LOCATION + " on the classpath");
    }
    return new ArrayList<>(byName.values());
  }

  private static List<String> listFolder(URL folder) throws IOException {
    List<String> names = new ArrayList<>();
    switch (folder.getProtocol()) {
      case "file" -> {
        Path dir;
        try {
          dir = Paths.get(folder.toURI());
        } catch (URISyntaxException e) {
          throw new IOException(e);
        }
        try (Stream<Path> files = Files.list(dir)) {
          files.forEach(p -> names.add(p.getFileName().toString()));
        }
      }
      case "jar" -> {
        JarURLConnection connection = (JarURLConnection) folder.openConnection();
        connection.setUseCaches(false);
        String prefix = LOCATION + "/";
        try (JarFile jar = connection.getJarFile()) {
          for (JarEntry e : Collections.list(jar.entries())) {
            String name = e.getName();
            if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0 && !e.isDirectory()) {
              names.add(name.substring(prefix.length()));
            }
          }
        }
      }
      default -> throw new IOException("cannot list migrations inside " + folder);
    }
    return names;
  }

  private static String readResource(ClassLoader loader, String name) throws IOException {
    try (InputStream in = loader.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
