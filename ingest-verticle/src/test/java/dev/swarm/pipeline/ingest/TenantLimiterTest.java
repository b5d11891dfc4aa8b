package dev.swarm.pipeline.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.swarm.pipeline.ingest.TenantLimiter.Limits;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TenantLimiterTest {
  final AtomicLong now = new AtomicLong();
  final Map<String, Limits> limits = new HashMap<>();
  final TenantLimiter limiter = new TenantLimiter(t -> limits.getOrDefault(t, Limits.UNLIMITED), now::get);

  void advanceMillis(long ms) {
    now.addAndGet(ms * 1_000_000);
  }

  @Test
  void aBurstIsAdmittedThenTheRateRefillsIt() {
    limits.put("acme", new Limits(100, 500));
    assertEquals(0, limiter.admit("acme", 500));
    assertEquals(1, limiter.admit("acme", 50), "empty: half a second of refill needed, said as 1 s");
    advanceMillis(500);
    assertEquals(0, limiter.admit("acme", 50));
    assertEquals(3, limiter.admit("acme", 300), "300 spans at 100/s from empty");
    advanceMillis(60_000);
    assertEquals(0, limiter.admit("acme", 500), "refill stops at the burst");
    assertEquals(1, limiter.admit("acme", 1));
  }

  @Test
  void aRequestLargerThanTheBurstCanNeverFit() {
    limits.put("acme", new Limits(100, 500));
    assertEquals(-1, limiter.admit("acme", 501));
    assertEquals(0, limiter.admit("acme", 500), "and takes nothing from the bucket");
  }

  @Test
  void tenantsHaveTheirOwnBucketsAndUnlimitedOnesAreNeverRefused() {
    limits.put("acme", new Limits(1, 1));
    assertEquals(0, limiter.admit("acme", 1));
    assertEquals(1, limiter.admit("acme", 1));
    assertEquals(0, limiter.admit("globex", 1_000_000));
    limits.put("globex", new Limits(10, 10));
    assertEquals(0, limiter.admit("globex", 10), "new limits start with a full bucket");
    assertEquals(1, limiter.admit("globex", 10));
  }
}
