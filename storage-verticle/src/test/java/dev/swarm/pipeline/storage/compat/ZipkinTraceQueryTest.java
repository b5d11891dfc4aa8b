package dev.swarm.pipeline.storage.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Zipkin's trace search parameters: what Grafana sends is read; anything else is refused, naming the parameter. */
class ZipkinTraceQueryTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void readsWhatGrafanaSends() {
    ZipkinTraceQuery q = ZipkinTraceQuery.parse(Map.of("serviceName", List.of("Billing"), "minDuration",
        List.of("1000"), "maxDuration", List.of("5000"), "limit", List.of("20"), "remoteServiceName", List.of("x")), NOW);
    assertEquals("billing", q.serviceName());
    assertEquals(1000L, q.minDurationMicros());
    assertEquals(20, q.limit());
  }

  @Test
  void unknownRepeatedAndContradictoryParametersAreRefused() {
    assertMessage("serviceNam: unknown parameter", Map.of("serviceNam", List.of("a")));
    assertMessage("limit: given more than once", Map.of("limit", List.of("1", "2")));
    assertMessage("minDuration: must not exceed maxDuration",
        Map.of("minDuration", List.of("10"), "maxDuration", List.of("5")));
  }

  private static void assertMessage(String start, Map<String, List<String>> params) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZipkinTraceQuery.parse(params, NOW));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }
}
