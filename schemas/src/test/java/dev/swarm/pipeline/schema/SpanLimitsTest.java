package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SpanLimitsTest {

  @Test
  void defaultsWhenNothingIsSet() {
    assertEquals(SpanLimits.DEFAULTS, SpanLimits.fromEnv(Map.of()));
    assertEquals(new SpanLimits(256, 65536, 128), SpanLimits.DEFAULTS);
  }

  @Test
  void readsTheThreeVariables() {
    assertEquals(
        new SpanLimits(10, 2048, 4),
        SpanLimits.fromEnv(
            Map.of("MAX_SPAN_NAME_CHARS", "10", "MAX_ATTRIBUTES_BYTES", " 2048 ", "MAX_EVENTS_PER_SPAN", "4")));
  }

  @Test
  void namesTheVariableThatIsNotANumber() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SpanLimits.fromEnv(Map.of("MAX_EVENTS_PER_SPAN", "many")));
    assertTrue(e.getMessage().contains("MAX_EVENTS_PER_SPAN"), e.getMessage());
  }

  @Test
  void rejectsLimitsThatWouldRejectEverySpan() {
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(0, 65536, 128));
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(256, 1, 128));
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(256, 65536, -1));
  }
}
