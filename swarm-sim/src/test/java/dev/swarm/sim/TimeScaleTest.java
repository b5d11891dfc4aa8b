package dev.swarm.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TimeScaleTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void offPutsTheWholeTicketInThePastAndSendsItAtOnce() {
    TimeScale off = TimeScale.OFF;
    assertEquals(NOW - 600_000, off.base(NOW, 600_000));
    assertEquals(0, off.delayMs(600_000));
  }

  @Test
  void aTenMinuteTicketAtSixtyTakesTenSeconds() {
    TimeScale scale = new TimeScale(60);
    assertEquals(10_000, scale.delayMs(600_000));
    assertEquals(5_000, scale.delayMs(300_000));
    long base = scale.base(NOW, 600_000);
    // Recorded durations stay real: the request starts ten minutes before it ends, and ends when it is sent.
    assertEquals(NOW + 10_000, base + 600_000);
  }

  @Test
  void noSpanEndsLaterThanTheMomentItIsSent() {
    for (double factor : new double[] {1, 1.5, 7, 60, 1000}) {
      TimeScale scale = new TimeScale(factor);
      for (long total : new long[] {1, 999, 600_000, 3_600_001}) {
        long base = scale.base(NOW, total);
        for (long offset = 0; offset <= total; offset += Math.max(1, total / 997)) {
          long endTime = base + offset;
          long sentAt = NOW + scale.delayMs(offset);
          assertTrue(endTime <= sentAt, "factor " + factor + ", total " + total + ", offset " + offset);
        }
        assertEquals(NOW + scale.delayMs(total), base + total, "the last span is sent as it ends");
      }
    }
  }

  @Test
  void laterEndsAreNeverSentEarlier() {
    TimeScale scale = new TimeScale(7);
    long previous = -1;
    for (long offset = 0; offset < 10_000; offset++) {
      long delay = scale.delayMs(offset);
      assertTrue(delay >= previous);
      previous = delay;
    }
  }

  @Test
  void rejectsFactorsBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> new TimeScale(0.5));
    assertThrows(IllegalArgumentException.class, () -> new TimeScale(-2));
    assertThrows(IllegalArgumentException.class, () -> new TimeScale(Double.NaN));
  }
}
