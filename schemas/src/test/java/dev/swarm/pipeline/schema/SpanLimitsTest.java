package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SpanLimitsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    assertEquals(new SpanLimits(256, 65536, 128), SpanLimits.DEFAULTS);
  }

  @Test
  void rejectsLimitsThatWouldRejectEverySpan() {
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(0, 65536, 128));
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(256, 1, 128));
    assertThrows(IllegalArgumentException.class, () -> new SpanLimits(256, 65536, -1));
  }
}
