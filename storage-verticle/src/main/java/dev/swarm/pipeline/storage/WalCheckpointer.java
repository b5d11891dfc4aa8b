package dev.swarm.pipeline.storage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * Copies committed WAL pages into the database file from its own connection, so the writer's commits do not
 * pay for checkpoints (on two cores this lets checkpoint I/O overlap with inserting). PASSIVE: never waits for
 * or blocks the writer or readers. Blocking JDBC: call from a worker thread, one call at a time.
 */
public final class WalCheckpointer implements AutoCloseable {

  private final SqliteSettings settings;
  private Connection connection;

  public WalCheckpointer(SqliteSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * Runs one PASSIVE checkpoint.
   *
   * @return WAL frames copied into the database by this call's checkpoint (0 when there was nothing to do)
   */
  public synchronized long checkpoint() throws SQLException {
    if (connection == null) {
      connection = settings.openExistingConnection();
    }
    try (Statement s = connection.createStatement()) {
      long copied;
      try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        // Columns: busy flag, WAL frames, frames checkpointed (-1, -1 when not in WAL mode).
        copied = rs.next() ? Math.max(0, rs.getLong(3)) : 0;
      }
      if (walBytes() > 2 * Math.max(settings.journalSizeLimitBytes(), MIN_TRUNCATE_BYTES)) {
        truncate(s);
      }
      return copied;
    } catch (SQLException e) {
      close();
      throw e;
    }
  }

  /** The WAL only restarts from its beginning when no reader needs it, so a stream of reads lets it grow. */
  static final long MIN_TRUNCATE_BYTES = 16L << 20;

  /**
   * A WAL past twice its limit: TRUNCATE waits for readers to move to the newest snapshot, holding off the writer
   * meanwhile, so it waits 100 ms at most and is simply tried again a second later.
   */
  private void truncate(Statement s) throws SQLException {
    s.execute("PRAGMA busy_timeout=" + TRUNCATE_WAIT_MS);
    try (Statement t = connection.createStatement(); ResultSet rs = t.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      // Read to the end: until the statement is done it holds the write lock. A busy flag of 1 (readers kept it
      // from finishing) just means the next call tries again.
      while (rs.next()) {
        rs.getInt(1);
      }
    } finally {
      s.execute("PRAGMA busy_timeout=" + settings.busyTimeoutMs());
    }
  }

  static final int TRUNCATE_WAIT_MS = 100;

  private long walBytes() {
    try {
      return java.nio.file.Files.size(settings.path().resolveSibling(settings.path().getFileName() + "-wal"));
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // closing after a failure; nothing left to do
      }
      connection = null;
    }
  }
}
