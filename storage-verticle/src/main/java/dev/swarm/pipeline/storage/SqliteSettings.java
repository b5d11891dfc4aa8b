package dev.swarm.pipeline.storage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import java.util.Objects;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * How every connection to the trace database is opened: WAL, synchronous=NORMAL, a busy timeout, foreign
 * keys OFF (spans name tenants/tickets/agents this database may not know), and bounded caches.
 *
 * @param path the SQLite file
 * @param busyTimeoutMs how long a statement waits for a lock before failing with SQLITE_BUSY
 * @param writerCacheKb page cache of the writer connection; large enough to keep the (trace_id, id) index hot
 * @param readerCacheKb page cache of each reader connection
 * @param journalSizeLimitBytes the WAL file is truncated to this size after a checkpoint
 */
public record SqliteSettings(
    Path path, int busyTimeoutMs, int writerCacheKb, int readerCacheKb, long journalSizeLimitBytes) {

  /**
   * Page size given to a new database file; an existing file keeps its own. 32 KiB pages cost the writer less CPU
   * per span than 8 KiB ones (StorageWriteThroughput, six interleaved runs each: median ~72,500 against ~63,800
   * spans per writer-CPU-second, with run-to-run noise of ±15%) and make the file ~3% smaller.
   */
  public static final int NEW_DATABASE_PAGE_SIZE = 32768;

  /** WAL pages after which the writer checkpoints by itself (128 MiB at 32 KiB pages). */
  public static final int WRITER_AUTOCHECKPOINT_PAGES = 4096;

  public SqliteSettings {
    Objects.requireNonNull(path, "path");
    if (busyTimeoutMs < 0 || writerCacheKb <= 0 || readerCacheKb <= 0 || journalSizeLimitBytes < 0) {
      throw new IllegalArgumentException("SQLite settings must not be negative: " + busyTimeoutMs + ", "
          + writerCacheKb + ", " + readerCacheKb + ", " + journalSizeLimitBytes);
    }
  }

  /** Defaults for tests and tools: 5 s busy timeout, 64 MiB writer cache, 8 MiB reader cache, 64 MiB WAL limit. */
  public static SqliteSettings defaults(Path path) {
    return new SqliteSettings(path, 5000, 64 * 1024, 8 * 1024, 64L * 1024 * 1024);
  }

  public String jdbcUrl() {
    return "jdbc:sqlite:" + path.toAbsolutePath();
  }

  /**
   * The writer's connection. DEFERRED transactions: sqlite-jdbc opens the next transaction right after each
   * commit, and an IMMEDIATE one would hold the write lock while the writer idles, blocking every other writer
   * of the file. {@link TraceWriter} writes before it reads, so the lock is still taken (and waited for) up front.
   */
  public SQLiteDataSource writerDataSource() {
    SQLiteConfig config = existingFileOnly(common(writerCacheKb));
    // Checkpoints normally run beside the writer (WalCheckpointer), off its critical path; this is the
    // backstop that bounds the WAL should they stop.
    config.setWalAutocheckpoint(WRITER_AUTOCHECKPOINT_PAGES);
    return dataSource(config);
  }

  /**
   * Readers' connections: query_only (a query can never take the write lock), and every statement is
   * interrupted (SQLITE_INTERRUPT) once it has run for {@code queryTimeoutMs}; sqlite-jdbc's own query timeout
   * only bounds lock waits, not work.
   */
  public DataSource readerDataSource(long queryTimeoutMs) {
    return new ReaderDataSource(dataSource(existingFileOnly(common(readerCacheKb))), queryTimeoutMs);
  }

  /**
   * A plain JDBC connection with the common settings and BEGIN IMMEDIATE transactions, for the migrator, the
   * checkpointer and tools. Callers restore auto-commit before handing it back.
   */
  public Connection openConnection() throws SQLException {
    return migrationDataSource().getConnection();
  }

  /**
   * Where {@link #openConnection()} comes from: the common settings and BEGIN IMMEDIATE transactions, so a second
   * process migrating the same file waits for the first one's transaction instead of racing it. Flyway
   * ({@link SqliteSchema}) opens its connection here; it is the one data source that may create the file.
   */
  public SQLiteDataSource migrationDataSource() {
    SQLiteConfig config = common(readerCacheKb);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    return dataSource(config);
  }

  /**
   * As {@link #openConnection()}, but fails when the file is missing instead of creating an empty one: for the
   * checkpointer, which must not re-create a database deleted under the running process.
   */
  public Connection openExistingConnection() throws SQLException {
    SQLiteConfig config = existingFileOnly(common(readerCacheKb));
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    return dataSource(config).getConnection();
  }

  /**
   * Only the migrator creates the file. Every other connection opens it or fails, so a database deleted while
   * storage runs is not silently re-created empty by the next query or checkpoint ({@link DatabaseFileIdentity}).
   */
  private static SQLiteConfig existingFileOnly(SQLiteConfig config) {
    config.resetOpenMode(org.sqlite.SQLiteOpenMode.CREATE);
    return config;
  }

  private SQLiteConfig common(int cacheKb) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(busyTimeoutMs);
    config.enforceForeignKeys(false);
    config.setCacheSize(-cacheKb);
    config.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(journalSizeLimitBytes));
    // vertx-jdbc-client prepares every statement with RETURN_GENERATED_KEYS; nothing here needs them, and
    // fetching them costs an extra query per batch.
    config.setGetGeneratedKeys(false);
    return config;
  }

  private SQLiteDataSource dataSource(SQLiteConfig config) {
    SQLiteDataSource ds = new SQLiteDataSource(config);
    ds.setUrl(jdbcUrl());
    return ds;
  }
}
