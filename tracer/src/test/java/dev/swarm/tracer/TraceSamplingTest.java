package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSamplingTest {

  @Test
  void extremesKeepAllOrNothing() {
    String id = TraceIds.newTraceId();
    assertTrue(TraceSampling.keep(id, 1));
    assertFalse(TraceSampling.keep(id, 0));
  }

  @Test
  void theDecisionDependsOnlyOnTheTraceIdAndGrowsWithTheRatio() {
    String low = "ffffffffffffffff0000000000000001";
    String high = "0000000000000001ffffffffffffffff";
    assertTrue(TraceSampling.keep(low, 0.01));
    assertFalse(TraceSampling.keep(high, 0.99));
    for (int i = 0; i < 1_000; i++) {
      String id = TraceIds.newTraceId();
      if (TraceSampling.keep(id, 0.1)) {
        assertTrue(TraceSampling.keep(id, 0.5), "kept at 10% implies kept at 50%");
      }
      assertEquals(TraceSampling.keep(id, 0.3), TraceSampling.keep(id, 0.3));
    }
  }

  @Test
  void aSampledOutTraceLosesAllItsSpansAndAKeptOneNone() {
    List<SpanData> finished = new ArrayList<>();
    Tracer tracer = Tracer.withSink(new TracerOptions().setSampleRatio(0.5), finished::add);
    SpanContext kept = new SpanContext("ffffffffffffffff0000000000000001", null, null, null, null);
    SpanContext skipped = new SpanContext("0000000000000001ffffffffffffffff", null, null, null, null);
    for (SpanContext trace : List.of(kept, skipped)) {
      Span root = tracer.spanBuilder("root").setParent(trace).startSpan();
      try (Scope s = root.makeCurrent()) {
        tracer.startSpan("child").end();
      }
      root.end();
    }
    assertEquals(2, finished.size());
    assertTrue(finished.stream().allMatch(s -> s.traceId().equals(kept.traceId())));
  }

  @Test
  void optionsReadTheRatioFromTheEnvironment() {
    assertEquals(0.25, TracerOptions.fromEnv(Map.of("TRACER_SAMPLE_RATIO", "0.25")).sampleRatio());
    assertEquals(1.0, TracerOptions.fromEnv(Map.of()).sampleRatio());
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> TracerOptions.fromEnv(Map.of("TRACER_SAMPLE_RATIO", "2")));
    assertTrue(e.getMessage().contains("TRACER_SAMPLE_RATIO"));
  }
}
