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
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      // Columns: busy flag, WAL frames, frames checkpointed (-1, -1 when not in WAL mode).
      return rs.next() ? Math.max(0, rs.getLong(3)) : 0;
    } catch (SQLException e) {
      close();
      throw e;
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
