package dev.swarm.pipeline.storage.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness against the installed server: one real server for the whole class. */
class PostgresServerTest {

  @Test
  void startsAcceptsConnectionsAndLeavesNothingBehind() throws Exception {
    Path dir;
    try (PostgresServer pg = PostgresServer.start()) {
      dir = pg.directory();
      assertTrue(Files.isDirectory(dir.resolve("data")), "data directory made by initdb");
      PostgresServer.Database db = pg.database();
      assertEquals("127.0.0.1", db.host());
      assertEquals(pg.port(), db.port());
      assertEquals("postgresql://swarm:" + db.password() + "@127.0.0.1:" + pg.port() + "/swarm", db.uri());
      try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
        assertEquals("swarm", scalar(s, "SELECT current_user"));
        assertEquals("swarm", scalar(s, "SELECT current_database()"));
        assertEquals("on", scalar(s, "SHOW fsync"), "durability stays on");
        assertEquals("on", scalar(s, "SHOW synchronous_commit"));
        assertEquals("128MB", scalar(s, "SHOW shared_buffers"));
        assertEquals("UTC", scalar(s, "SHOW log_timezone"));
        assertEquals("UTF8", scalar(s, "SHOW server_encoding"));
        assertEquals("C", scalar(s, "SELECT datcollate FROM pg_database WHERE datname = current_database()"));
        s.execute("CREATE TABLE t (x int)"); // the role owns its database
        s.execute("INSERT INTO t VALUES (1)");
        assertEquals("1", scalar(s, "SELECT count(*) FROM t"));
      }
      // The password is required over TCP.
      String noPassword = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/swarm?user=swarm&password=wrong";
      assertThrows(SQLException.class, () -> DriverManager.getConnection(noPassword).close());
      // Unix sockets live in the temporary folder.
      assertTrue(Files.exists(dir.resolve(".s.PGSQL." + pg.port())), "unix socket in the folder");
      PostgresServer.Database other = pg.createDatabase("other_db");
      try (Connection c = other.connect(); Statement s = c.createStatement()) {
        assertEquals("other_db", scalar(s, "SELECT current_database()"));
      }
      assertTrue(pg.serverVersion().matches("\\d+.*"), pg.serverVersion());
    }
    assertFalse(Files.exists(dir), "the folder is deleted on close");
  }

  @Test
  void settingsCanBeOverriddenAndCloseIsIdempotent() throws Exception {
    PostgresServer pg = PostgresServer.builder().setting("shared_buffers", "32MB").database("bench").user("writer")
        .start();
    try (Connection c = pg.database().connect(); Statement s = c.createStatement()) {
      assertEquals("32MB", scalar(s, "SHOW shared_buffers"));
      assertEquals("writer", scalar(s, "SELECT current_user"));
    }
    int port = pg.port();
    pg.close();
    pg.close();
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/bench?user=writer&password=x&connectTimeout=2";
    assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close(), "server stopped");
  }

  @Test
  void missingInstallationNamesTheDebianPackage(@TempDir Path empty) {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PostgresBinaries.locate(Map.of("PATH", empty.toString()), empty.resolve("no-such-root")));
    assertTrue(e.getMessage().contains("apt-get install postgresql"), e.getMessage());
    IllegalStateException wrongDir = assertThrows(IllegalStateException.class,
        () -> PostgresBinaries.locate(Map.of(PostgresBinaries.BIN_DIR_ENV, empty.toString()), empty));
    assertTrue(wrongDir.getMessage().contains(PostgresBinaries.BIN_DIR_ENV), wrongDir.getMessage());
  }

  @Test
  void highestDebianVersionWinsThenPath(@TempDir Path root) throws IOException {
    for (String v : new String[] {"9.6", "15", "16", "notaversion"}) {
      fakeServer(root.resolve(v).resolve("bin"));
    }
    Files.createDirectories(root.resolve("17")); // a version folder without programs is passed over
    assertEquals(root.resolve("16").resolve("bin"), PostgresBinaries.locate(Map.of(), root));
    Path onPath = fakeServer(root.resolve("elsewhere"));
    assertEquals(onPath, PostgresBinaries.locate(Map.of("PATH", "/nonexistent:" + onPath), root.resolve("none")));
    assertEquals(onPath, PostgresBinaries.locate(Map.of(PostgresBinaries.BIN_DIR_ENV, onPath.toString()), root));
  }

  private static Path fakeServer(Path bin) throws IOException {
    Files.createDirectories(bin);
    for (String program : new String[] {"initdb", "pg_ctl"}) {
      Path p = Files.writeString(bin.resolve(program), "#!/bin/sh\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return bin;
  }

  private static String scalar(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next());
      return rs.getString(1);
    }
  }
}
