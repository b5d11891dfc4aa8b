package dev.swarm.pipeline.ingest.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class LabelLimiterTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double overflow(String label) {
    return registry.get("swarm.metrics.label.overflow").tag("label", label).counter().count();
  }

  @Test
  void admitsUpToTheLimitThenReportsOther() {
    LabelLimiter models = new LabelLimiter("model", 2, registry);
    assertEquals("a", models.admit("a"));
    assertEquals("b", models.admit("b"));
    assertEquals("a", models.admit("a"), "admitted values stay");
    assertEquals(LabelLimiter.OTHER, models.admit("c"));
    assertEquals(LabelLimiter.OTHER, models.admit("d"));
    assertEquals("b", models.admit("b"));
    assertEquals(2, models.size());
    assertEquals(2.0, overflow("model"), "each overflowing observation is counted");
  }

  @Test
  void overflowIsCountedPerLabel() {
    LabelLimiter a = new LabelLimiter("agent_type", 1, registry);
    LabelLimiter p = new LabelLimiter("path", 1, registry);
    a.admit("coder");
    a.admit("reviewer");
    p.admit("/x");
    assertEquals(1.0, overflow("agent_type"));
    assertEquals(0.0, overflow("path"));
  }

  @Test
  void missingValuesAreUnknownAndLongOnesAreCut() {
    LabelLimiter l = new LabelLimiter("model", 5, registry);
    assertEquals(LabelLimiter.UNKNOWN, l.admit(null));
    assertEquals(LabelLimiter.UNKNOWN, l.admit(""));
    String cut = l.admit("m".repeat(500));
    assertEquals(LabelLimiter.MAX_VALUE_CHARS, cut.length());
    assertEquals(2, l.size());
  }

  @Test
  void otherNeverTakesASlot() {
    LabelLimiter l = new LabelLimiter("model", 1, registry);
    assertEquals(LabelLimiter.OTHER, l.admit(LabelLimiter.OTHER));
    assertEquals("x", l.admit("x"));
  }

  @Test
  void theLimitHoldsUnderConcurrency() throws Exception {
    LabelLimiter l = new LabelLimiter("path", 10, registry);
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int offset = t;
      Thread thread = new Thread(() -> {
        for (int i = 0; i < 1_000; i++) {
          seen.add(l.admit("v" + ((i * 7 + offset) % 100)));
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(10, l.size());
    assertEquals(11, seen.size(), "ten admitted values plus 'other'");
  }

  @Test
  void rejectsANonPositiveLimit() {
    assertThrows(IllegalArgumentException.class, () -> new LabelLimiter("x", 0, registry));
  }
}
