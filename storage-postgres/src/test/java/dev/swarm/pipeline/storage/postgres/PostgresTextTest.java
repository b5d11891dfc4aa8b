package dev.swarm.pipeline.storage.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The writer's answers to what PostgreSQL cannot hold or read, checked by hand and against a real server. */
class PostgresTextTest {

  @Test
  void queryableJsonIsNullWhenPostgresCanReadTheText() {
    assertNull(PostgresText.queryableJson("{}"));
    assertNull(PostgresText.queryableJson("{\"a\":\"x\\n\\\"\\\\\"}"));
    assertNull(PostgresText.queryableJson("{\"a\":\"\\u0001\\u00e9\\uD83D\\uDE00\"}")); // a pair is fine
    assertNull(PostgresText.queryableJson("{\"a\":\"\\\\u0000\"}")); // an escaped backslash, then text
  }

  @Test
  void queryableJsonReplacesEscapedNulsAndUnpairedSurrogates() {
    assertEquals("{\"a\":\"x\\uFFFDy\"}", PostgresText.queryableJson("{\"a\":\"x\\u0000y\"}"));
    assertEquals("{\"a\":\"\\uFFFD\"}", PostgresText.queryableJson("{\"a\":\"\\uD800\"}"));
    assertEquals("{\"a\":\"\\uFFFD\"}", PostgresText.queryableJson("{\"a\":\"\\udc00\"}"));
    // A high surrogate followed by something other than a low one: only the high one goes.
    assertEquals("{\"a\":\"\\uFFFD\\u0041\"}", PostgresText.queryableJson("{\"a\":\"\\uD800\\u0041\"}"));
    assertEquals("{\"a\":\"\\uFFFD\\uFFFD\"}", PostgresText.queryableJson("{\"a\":\"\\uD800\\uD800\"}"));
    assertEquals("{\"\\uFFFD\":\"\\\\u0000\\uD83D\\uDE00\\uFFFD\"}",
        PostgresText.queryableJson("{\"\\u0000\":\"\\\\u0000\\uD83D\\uDE00\\u0000\"}"));
  }

  @Test
  void textReplacesNulAndUnpairedSurrogates() {
    String plain = "tool.run é \uD83D\uDE00";
    assertSame(plain, PostgresText.text(plain));
    assertNull(PostgresText.text(null));
    assertEquals("a\uFFFDb\uFFFD\uD83D\uDE00\uFFFD", PostgresText.text("a\u0000b\uD800\uD83D\uDE00\uDC00"));
  }

  @Test
  void keysAreCutToTheirByteBudgetAtACodePointBoundary() {
    String ascii = "a".repeat(PostgresText.MAX_KEY_BYTES);
    assertSame(ascii, PostgresText.key(ascii));
    assertEquals(ascii, PostgresText.key(ascii + "b"));
    String emoji = "\uD83D\uDE00".repeat(300); // 4 bytes each: 256 fit
    assertEquals("\uD83D\uDE00".repeat(256), PostgresText.key(emoji));
    String mixed = "a" + "\u00e9".repeat(600); // 1 + 2 * 511 = 1023 bytes fit, the next é would make 1025
    assertEquals(1023, PostgresText.utf8Length(PostgresText.key(mixed)));
    assertEquals("x\uFFFD", PostgresText.key("x\u0000"));
  }

  /**
   * Random attribute strings built from the escapes that matter: the server refuses {@code ->>} on the text exactly
   * when {@link PostgresText#queryableJson} makes a copy, and always reads the copy, whose only change is U+FFFD.
   */
  @Test
  void theServerReadsEveryCopyAndRefusesExactlyTheTextsThatNeedOne() throws SQLException {
    String[] pieces = {"a", "é", "\\n", "\\\\", "\\\\u0000", "\\u0000", "\\u0001", "\\uD800", "\\udbff", "\\uDC00",
        "\\uD83D\\uDE00", "\\u00e9", "\\\"", "😀"};
    SplittableRandom random = new SplittableRandom(11);
    try (PostgresServer pg = PostgresServer.start(); Connection c = pg.database().connect();
        PreparedStatement ps = c.prepareStatement("SELECT ?::json ->> 'k'")) {
      int copies = 0;
      for (int i = 0; i < 2000; i++) {
        StringBuilder value = new StringBuilder();
        for (int n = random.nextInt(6); n >= 0; n--) {
          value.append(pieces[random.nextInt(pieces.length)]);
        }
        String json = "{\"k\":\"" + value + "\"}";
        String copy = PostgresText.queryableJson(json);
        ps.setString(1, json);
        if (copy == null) {
          read(ps); // must not throw
        } else {
          copies++;
          SQLException refused = assertThrows(SQLException.class, () -> read(ps), json);
          assertTrue(refused.getSQLState().startsWith("22"), refused.getSQLState());
          ps.setString(1, copy);
          String decoded = read(ps);
          assertTrue(decoded.indexOf('\u0000') < 0, json);
          // Escapes are replaced in place, six characters for six: the copy is the text with some \\uFFFD.
          StringBuilder expected = new StringBuilder(json);
          for (int at = copy.indexOf("\\uFFFD"); at >= 0; at = copy.indexOf("\\uFFFD", at + 6)) {
            expected.replace(at, at + 6, "\\uFFFD");
          }
          assertEquals(expected.toString(), copy, json);
        }
      }
      assertTrue(copies > 500 && copies < 1900, "both kinds were tried: " + copies + " copies");
    }
  }

  private static String read(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }
}
