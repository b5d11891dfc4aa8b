package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DownstreamYieldTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * MS);
  // Yields from a quarter of 2 CPUs (half a core of event-loop time per second); 1,000 spans/s while yielding.
  private final DownstreamYield yield = new DownstreamYield(0.25, 1_000, 2, now::get);

  @Test
  void takesEverythingUntilTheEventLoopsUseTheirShare() {
    assertFalse(yield.holdBack()); // no measurement yet
    yield.sample(0);
    now.addAndGet(200 * MS);
    yield.sample(99 * MS); // 99 ms of CPU in 200 ms over 2 CPUs: 24.75%
    assertFalse(yield.yielding());
    yield.took(50_000);
    assertFalse(yield.holdBack(), "not yielding: the intake is not counted");
    now.addAndGet(200 * MS);
    yield.sample(199 * MS); // 100 ms in 200 ms: 25%
    assertTrue(yield.yielding());
    assertEquals(0.25, yield.eventLoopShare(), 1e-9);
  }

  @Test
  void whileYieldingTakesAtMostTheRateAndResumesWhenIngestQuietens() {
    yield.sample(0);
    now.addAndGet(200 * MS);
    yield.sample(200 * MS); // 50%
    assertFalse(yield.holdBack(), "a second's worth to start with");
    yield.took(1_000);
    assertTrue(yield.holdBack());
    now.addAndGet(100 * MS);
    assertFalse(yield.holdBack(), "100 ms later: 100 spans' worth");
    yield.took(300);
    now.addAndGet(100 * MS);
    assertTrue(yield.holdBack(), "-200 + 100: still in debt");
    now.addAndGet(200 * MS);
    assertFalse(yield.holdBack());
    now.addAndGet(10_000 * MS);
    assertFalse(yield.holdBack());
    yield.took(1_001);
    assertTrue(yield.holdBack(), "a long pause saves at most a second's worth");

    yield.sample(201 * MS); // 1 ms of CPU in the 10.4 s since the last sample
    assertFalse(yield.yielding());
    assertFalse(yield.holdBack());
  }

  @Test
  void keepsYieldingUntilTheEventLoopsUseLessThanHalfTheShare() {
    yield.sample(0);
    now.addAndGet(200 * MS);
    yield.sample(100 * MS); // 25%: yields
    now.addAndGet(200 * MS);
    yield.sample(150 * MS); // 12.5%: still yielding
    assertTrue(yield.yielding());
    now.addAndGet(200 * MS);
    yield.sample(199 * MS); // 12.25%: the burst is over
    assertFalse(yield.yielding());
    now.addAndGet(200 * MS);
    yield.sample(248 * MS); // 12.25% again: not yielding again below the share itself
    assertFalse(yield.yielding());
  }

  @Test
  void zeroSpansPerSecondHoldsEverythingBackWhileYielding() {
    DownstreamYield none = new DownstreamYield(0.25, 0, 2, now::get);
    none.sample(0);
    now.addAndGet(200 * MS);
    none.sample(400 * MS);
    assertTrue(none.holdBack());
    now.addAndGet(60_000 * MS);
    assertTrue(none.holdBack());
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new DownstreamYield(0, 1, 2, now::get));
    assertThrows(IllegalArgumentException.class, () -> new DownstreamYield(1.5, 1, 2, now::get));
    assertThrows(IllegalArgumentException.class, () -> new DownstreamYield(0.5, -1, 2, now::get));
  }
}
