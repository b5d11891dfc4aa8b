package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** OldMigratorFiles makes the same files as the hand-written SchemaMigrator did (checked while both exist). */
class OldMigratorEquivalenceTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(ints = {5, 7})
  void oldMigratorFilesAreWhatSchemaMigratorMade(int upTo) throws Exception {
    SqliteSettings real = SqliteSettings.defaults(dir.resolve("real.db"));
    new SchemaMigrator(SchemaMigrator.fromClasspath().migrations().subList(0, upTo)).migrate(real);
    SqliteSettings made = SqliteSettings.defaults(dir.resolve("made.db"));
    OldMigratorFiles.create(made, upTo);
    assertEquals(dump(real), dump(made));
  }

  static String dump(SqliteSettings settings) throws Exception {
    StringBuilder b = new StringBuilder();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      for (String p : new String[] {"page_size", "auto_vacuum", "journal_mode", "encoding", "user_version"}) {
        try (ResultSet rs = s.executeQuery("PRAGMA " + p)) {
          rs.next();
          b.append(p).append('=').append(rs.getString(1)).append('\n');
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")) {
        while (rs.next()) {
          b.append(rs.getString(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
              .append('|').append(rs.getString(4)).append("\n---\n");
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT version, description, checksum FROM schema_migrations ORDER BY 1")) {
        while (rs.next()) {
          b.append(rs.getInt(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3)).append('\n');
        }
      }
    }
    return b.toString();
  }

}
