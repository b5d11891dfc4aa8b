package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void generatedIdsAreLowerCaseHexOfW3cLengthAndDistinct() {
    Set<String> traces = new HashSet<>();
    Set<String> spans = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String trace = TraceIds.newTraceId();
      String span = TraceIds.newSpanId();
      assertTrue(trace.matches("[0-9a-f]{32}"), trace);
      assertTrue(span.matches("[0-9a-f]{16}"), span);
      assertTrue(TraceIds.isValidTraceId(trace));
      assertTrue(TraceIds.isValidSpanId(span));
      assertTrue(PipelineIds.isValid(trace) && PipelineIds.isValid(span), "also valid pipeline ids");
      traces.add(trace);
      spans.add(span);
    }
    assertEquals(10_000, traces.size());
    assertEquals(10_000, spans.size());
  }

  @Test
  void allZeroIdsAreInvalid() {
    assertFalse(TraceIds.isValidTraceId("0".repeat(32)));
    assertFalse(TraceIds.isValidSpanId("0".repeat(16)));
    assertNull(TraceIds.normaliseHex("0".repeat(16), 16));
  }

  @Test
  void validityNeedsExactLengthAndLowerCase() {
    assertFalse(TraceIds.isValidTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"));
    assertEquals(
        "4bf92f3577b34da6a3ce929d0e0e4736", TraceIds.normaliseHex("4BF92F3577B34DA6A3CE929D0E0E4736", 32));
    assertFalse(TraceIds.isValidSpanId("00f067aa0ba902b"));
    assertFalse(TraceIds.isValidSpanId("00f067aa0ba902b7a"));
    assertFalse(TraceIds.isValidSpanId("00f067aa0ba902g7"));
    assertFalse(TraceIds.isValidTraceId(null));
  }
}
