package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSettingsTest {

  @TempDir
  Path dir;

  @Test
  void writerAndReaderConnectionsGetTheSettings() throws Exception {
    SqliteSettings settings = new SqliteSettings(dir.resolve("swarm.db"), 1234, 2048, 1024, 4 << 20);
    SqliteSchema.migrate(settings);
    try (Connection w = settings.writerDataSource().getConnection()) {
      assertEquals("wal", pragma(w, "journal_mode"));
      assertEquals("1", pragma(w, "synchronous"));
      assertEquals("1234", pragma(w, "busy_timeout"));
      assertEquals("0", pragma(w, "foreign_keys"));
      assertEquals("-2048", pragma(w, "cache_size"));
      assertEquals(Integer.toString(4 << 20), pragma(w, "journal_size_limit"));
      assertEquals(Integer.toString(SqliteSettings.WRITER_AUTOCHECKPOINT_PAGES), pragma(w, "wal_autocheckpoint"));
    }
    try (Connection r = settings.readerDataSource(1000).getConnection()) {
      assertEquals("1234", pragma(r, "busy_timeout"));
      assertEquals("0", pragma(r, "foreign_keys"));
      assertEquals("-1024", pragma(r, "cache_size"));
      assertEquals("1", pragma(r, "query_only"));
      try (Statement s = r.createStatement()) {
        SQLException e = assertThrows(SQLException.class, () -> s.execute("DELETE FROM agent_traces"));
        assertTrue(e.getMessage().contains("readonly"), e.getMessage());
      }
    }
  }

  private static String pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      assertTrue(rs.next());
      return rs.getString(1);
    }
  }
}
