package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TracerOptionsTest {

  @Test
  void environmentOverridesDefaults() {
    TracerOptions o =
        TracerOptions.fromEnv(
            Map.of(
                "TRACER_ENDPOINT", "http://pipeline:8080/",
                "TRACER_ENABLED", "false",
                "TRACER_BUFFER_CAPACITY", "2000",
                "TRACER_BATCH_SIZE", "50",
                "TRACER_FLUSH_INTERVAL_MS", "250",
                "TRACER_RECORD_STACK_TRACES", "yes",
                "TRACER_SERVICE_NAME", " ticket-api "));
    assertEquals("http://pipeline:8080", o.endpoint());
    assertFalse(o.enabled());
    assertEquals(2000, o.bufferCapacity());
    assertEquals(50, o.batchSize());
    assertEquals(250, o.flushIntervalMs());
    assertTrue(o.recordStackTraces());
    assertEquals("ticket-api", o.serviceName());
    assertEquals(null, TracerOptions.fromEnv(Map.of()).serviceName());
    assertEquals(10_000, TracerOptions.fromEnv(Map.of()).bufferCapacity());
  }

  @Test
  void badValuesNameTheVariable() {
    for (Map<String, String> env :
        java.util.List.of(
            Map.of("TRACER_BATCH_SIZE", "many"),
            Map.of("TRACER_BUFFER_CAPACITY", "0"),
            Map.of("TRACER_ENABLED", "perhaps"),
            Map.of("TRACER_ENDPOINT", "pipeline:8080"),
            Map.of("TRACER_SERVICE_NAME", "x".repeat(257)))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TracerOptions.fromEnv(env));
      String name = env.keySet().iterator().next();
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  @Test
  void everySpanCarriesTheServiceNameUnlessItSetsItsOwn() {
    java.util.List<SpanData> finished = new java.util.ArrayList<>();
    Tracer tracer = Tracer.withSink(new TracerOptions().setServiceName("ticket-api"), finished::add);
    tracer.spanBuilder("http.request").startSpan().end();
    tracer.spanBuilder("llm.generate").setAttribute(SwarmSpans.SERVICE_NAME, "agent").startSpan().end();
    assertEquals("ticket-api", finished.get(0).attributes().get("service.name"));
    assertEquals("agent", finished.get(1).attributes().get("service.name"));
    java.util.List<SpanData> unnamed = new java.util.ArrayList<>();
    Tracer.withSink(new TracerOptions(), unnamed::add).spanBuilder("x").startSpan().end();
    assertFalse(unnamed.get(0).attributes().containsKey("service.name"));
  }
}
