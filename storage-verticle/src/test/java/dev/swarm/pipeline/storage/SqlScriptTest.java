package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

  @Test
  void splitsAtSemicolonsOutsideCommentsAndQuotes() {
    String script = "-- a comment; not a statement\n"
        + "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"b;c\" INTEGER); /* block; comment */\n"
        + "INSERT INTO t VALUES ('it''s; fine', 1);;\n"
        + "  \n"
        + "SELECT [odd;name] FROM t";
    assertEquals(List.of(
        "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"b;c\" INTEGER)",
        "INSERT INTO t VALUES ('it''s; fine', 1)",
        "SELECT [odd;name] FROM t"), SqlScript.statements(script));
  }

  @Test
  void emptyAndCommentOnlyScriptsHaveNoStatements() {
    assertEquals(List.of(), SqlScript.statements(""));
    assertEquals(List.of(), SqlScript.statements("-- only\n/* comments */\n;"));
  }
}
