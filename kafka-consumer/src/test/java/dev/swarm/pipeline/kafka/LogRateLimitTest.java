package dev.swarm.pipeline.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogRateLimitTest {
  @Test
  void allowsAFewLinesPerWindowAndCountsTheRest() {
    AtomicLong now = new AtomicLong(1000);
    LogRateLimit limit = new LogRateLimit(2, 60_000, now::get);
    assertEquals(0, limit.tryAcquire());
    assertEquals(0, limit.tryAcquire());
    assertEquals(-1, limit.tryAcquire());
    assertEquals(-1, limit.tryAcquire());
    now.addAndGet(60_000);
    assertEquals(2, limit.tryAcquire(), "the next allowed line says how many were left out");
    assertEquals(0, limit.tryAcquire());
    assertEquals(" (2 similar lines left out)", LogRateLimit.leftOut(2));
    assertEquals("", LogRateLimit.leftOut(0));
  }
}
