package dev.swarm.pipeline.ingest.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanAttributesTest {

  @Test
  void readsWantedScalarsAndSkipsTheRest() {
    Map<String, String> a =
        SpanAttributes.read(
            "{\"nested\":{\"model\":\"inner\",\"x\":[1,{\"tokens\":9}]},\"model\":\"claude-sonnet\",\"other\":1,\"tokens\":1234}",
            SpanAttributes.Keys.of("model", "tokens"));
    assertEquals(Map.of("model", "claude-sonnet", "tokens", "1234"), a);
  }

  @Test
  void leavesOutNullsContainersAndAbsentKeys() {
    Map<String, String> a =
        SpanAttributes.read("{\"model\":null,\"tokens\":[1],\"ok\":true}", SpanAttributes.Keys.of("model", "tokens", "ok", "absent"));
    assertEquals(Map.of("ok", "true"), a);
  }

  @Test
  void decodesEscapesInKeysAndStringValues() {
    Map<String, String> a = SpanAttributes.read(
        "{\"mo\\u0064el\":\"caf\\u00e9 \\\"x\\\"\",\"path\":\"/t/\u00e9\",\"tokens\":-1.5e3}",
        SpanAttributes.Keys.of("model", "path", "tokens"));
    assertEquals(Map.of("model", "caf\u00e9 \"x\"", "path", "/t/\u00e9", "tokens", "-1.5e3"), a);
  }

  @Test
  void unreadableJsonGivesNothing() {
    assertTrue(SpanAttributes.read("{\"model\":", SpanAttributes.Keys.of("model")).isEmpty());
    assertTrue(SpanAttributes.read("[]", SpanAttributes.Keys.of("model")).isEmpty());
  }

  @Test
  void wholeNumbers() {
    assertEquals(12L, SpanAttributes.wholeNumber("12"));
    assertEquals(12L, SpanAttributes.wholeNumber("12.0"));
    assertEquals(-3L, SpanAttributes.wholeNumber(" -3 "));
    assertNull(SpanAttributes.wholeNumber("12.5"));
    assertNull(SpanAttributes.wholeNumber("twelve"));
    assertNull(SpanAttributes.wholeNumber("NaN"));
    assertNull(SpanAttributes.wholeNumber(null));
  }
}
