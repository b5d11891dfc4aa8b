package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The byte-level reader accepts exactly the single JSON values Jackson accepts, and decodes strings as it does. */
class JsonCursorTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "{}", "[]", "0", "-0", "12", "-3.25", "1e5", "1E-5", "2.5e+10", "true", "false", "null", "\"\"",
      "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", "\"ä😀 plain utf-8\"",
      " { \"a\" : [ 1 , 2 , { \"b\" : null } ] , \"c\" : { } } ",
      "[[[[[]]]],{\"x\":[{\"y\":[true,false,null]}]}]",
      "{\"k\":\"v\",\"k\":\"again\"}", // duplicate keys are JSON; the contract decides about them elsewhere
      "[1,-1,0.5,10,1e400]",
  })
  void acceptsWhatJacksonAccepts(String json) throws Exception {
    assertTrue(jacksonAccepts(json), "premise: Jackson accepts " + json);
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    JsonCursor c = new JsonCursor(bytes);
    int start = c.skipValue();
    assertEquals(json.strip(), c.text(start));
    assertTrue(c.atEnd(), json);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{", "[", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "{\"a\" 1}", "{a:1}", "[01]", "[1.]",
      "[.5]", "[1e]", "[1e+]", "[-]", "[+1]", "[tru]", "[nul]", "[True]", "\"unterminated", "\"bad \\x escape\"",
      "\"bad \\u12 escape\"", "\"tab\tinside\"", "[1 2]", "{\"a\":1 \"b\":2}", "[\"a\"\"b\"]", "[1}", "{\"a\":1]",
      "[0x10]", "[NaN]", "['single']",
  })
  void rejectsWhatJacksonRejects(String json) {
    assertFalse(jacksonAccepts(json), "premise: Jackson rejects " + json);
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThrows(JsonCursor.Malformed.class, () -> {
      JsonCursor c = new JsonCursor(bytes);
      c.skipValue();
      if (!c.atEnd()) {
        throw new JsonCursor.Malformed("trailing", c.position());
      }
    });
  }

  @Test
  void nestingBeyondTheLimitIsRejectedLikeJackson() {
    String ok = "[".repeat(JsonCursor.MAX_DEPTH) + "]".repeat(JsonCursor.MAX_DEPTH);
    String deep = "[".repeat(JsonCursor.MAX_DEPTH + 1) + "]".repeat(JsonCursor.MAX_DEPTH + 1);
    assertTrue(jacksonAccepts(ok));
    assertFalse(jacksonAccepts(deep));
    new JsonCursor(ok.getBytes(StandardCharsets.US_ASCII)).skipValue();
    assertThrows(JsonCursor.Malformed.class, () -> new JsonCursor(deep.getBytes(StandardCharsets.US_ASCII)).skipValue());
  }

  @Test
  void decodesStringsLikeJackson() throws Exception {
    String json = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00 ä😀\"";
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String expected;
    try (JsonParser p = SpanJson.FACTORY.createParser(bytes)) {
      p.nextToken();
      expected = p.getText();
    }
    assertEquals(expected, new JsonCursor(bytes).string());
  }

  @Test
  void readsObjectsKeyByKey() {
    byte[] bytes = "{\"id\":\"x\",\"n\":-42,\"a\\u0062\":[1,[2,3],{}],\"z\":null}".getBytes(StandardCharsets.UTF_8);
    JsonCursor c = new JsonCursor(bytes);
    c.expect('{');
    c.key();
    assertTrue(c.keyIs("id".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("x", c.string());
    assertTrue(c.next('}'));
    c.key();
    assertEquals(-42, c.longValue());
    assertTrue(c.next('}'));
    c.key();
    assertTrue(c.keyIs("ab".getBytes(StandardCharsets.US_ASCII)), "escaped key compares decoded");
    int start = c.skipValue();
    assertEquals("[1,[2,3],{}]", c.text(start));
    assertEquals(3, c.lastArrayLength());
    assertTrue(c.next('}'));
    c.key();
    assertTrue(c.consumeNull());
    assertFalse(c.next('}'));
    assertTrue(c.atEnd());
  }

  @Test
  void integersOutsideTheReadersRangeAreRejectedNotWrapped() {
    assertThrows(JsonCursor.Malformed.class, () -> new JsonCursor("12345678901234567890".getBytes(StandardCharsets.US_ASCII)).longValue());
    assertThrows(JsonCursor.Malformed.class, () -> new JsonCursor("1.5".getBytes(StandardCharsets.US_ASCII)).longValue());
    assertEquals(123456789012345678L, new JsonCursor("123456789012345678".getBytes(StandardCharsets.US_ASCII)).longValue());
  }

  private static boolean jacksonAccepts(String json) {
    try (JsonParser p = SpanJson.FACTORY.createParser(json.getBytes(StandardCharsets.UTF_8))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (Exception e) {
      return false;
    }
  }
}
