package dev.swarm.pipeline.ingest.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class CreatedSuffixNamingTest {

  @Test
  void answersTheExactNameAndDelegatesTheRest() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.config().namingConvention(NamingConvention.snakeCase);
    CreatedSuffixNaming.install(registry);
    NamingConvention naming = registry.config().namingConvention();
    assertEquals("swarm_prs_created", naming.name("swarm.prs.created", Meter.Type.COUNTER, null));
    assertEquals("swarm_tickets", naming.name("swarm.tickets", Meter.Type.COUNTER, null));
    assertEquals("status_code", naming.tagKey("status.code"));
  }

  @Test
  void installsOnce() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CreatedSuffixNaming.install(registry);
    NamingConvention first = registry.config().namingConvention();
    new SwarmSpanMetrics(registry, SwarmMetricsConfig.defaults());
    assertSame(first, registry.config().namingConvention());
  }
}
