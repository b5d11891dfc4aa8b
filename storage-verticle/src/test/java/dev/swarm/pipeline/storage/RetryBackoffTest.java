package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  @Test
  void doublesUpToTheCap() {
    RetryBackoff backoff = new RetryBackoff(100, 1000);
    assertEquals(100, backoff.delayMillis(1));
    assertEquals(200, backoff.delayMillis(2));
    assertEquals(400, backoff.delayMillis(3));
    assertEquals(800, backoff.delayMillis(4));
    assertEquals(1000, backoff.delayMillis(5));
    assertEquals(1000, backoff.delayMillis(1_000_000));
  }

  @Test
  void neverOverflows() {
    RetryBackoff backoff = new RetryBackoff(3, Long.MAX_VALUE);
    for (int failures = 1; failures < 200; failures++) {
      long delay = backoff.delayMillis(failures);
      assertEquals(true, delay >= 3, "failures " + failures + " gave " + delay);
    }
    assertEquals(Long.MAX_VALUE, backoff.delayMillis(70));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(10, 5));
  }
}
