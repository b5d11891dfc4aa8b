package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExportBackoffTest {
  private static final long NOW = Instant.parse("2026-11-27T23:24:23Z").toEpochMilli();

  @Test
  void doublesPerAttemptUpToTheMaximumWithoutRetryAfter() {
    ExportBackoff top = new ExportBackoff(500, 30_000, () -> 0.999999);
    assertEquals(499, top.delayMs(1, null, NOW), 1);
    assertEquals(999, top.delayMs(2, null, NOW), 1);
    assertEquals(1999, top.delayMs(3, null, NOW), 1);
    assertEquals(29_999, top.delayMs(20, null, NOW), 1);
    assertEquals(29_999, top.delayMs(1_000, null, NOW), 1);
  }

  @Test
  void jitterKeepsAtLeastHalfOfTheDelay() {
    ExportBackoff bottom = new ExportBackoff(500, 30_000, () -> 0.0);
    assertEquals(250, bottom.delayMs(1, null, NOW));
    assertEquals(1000, bottom.delayMs(3, null, NOW));
  }

  @Test
  void honoursRetryAfterSecondsCappedByTheMaximum() {
    ExportBackoff backoff = new ExportBackoff(500, 30_000, () -> 0.5);
    assertEquals(2_000, backoff.delayMs(1, "2", NOW));
    assertEquals(0, backoff.delayMs(1, "0", NOW));
    assertEquals(30_000, backoff.delayMs(1, "3600", NOW));
    assertEquals(30_000, backoff.delayMs(1, "99999999999999", NOW));
  }

  @Test
  void honoursRetryAfterAsAnHttpDate() {
    String inFiveSeconds =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(NOW + 5_000).atOffset(ZoneOffset.UTC));
    assertEquals(OptionalLong.of(5_000), ExportBackoff.parseRetryAfter(inFiveSeconds, NOW));
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(NOW - 5_000).atOffset(ZoneOffset.UTC));
    assertEquals(OptionalLong.of(0), ExportBackoff.parseRetryAfter(past, NOW));
  }

  @Test
  void ignoresAnUnreadableRetryAfter() {
    assertTrue(ExportBackoff.parseRetryAfter("soon", NOW).isEmpty());
    assertTrue(ExportBackoff.parseRetryAfter("-1", NOW).isEmpty());
    assertTrue(ExportBackoff.parseRetryAfter("", NOW).isEmpty());
    ExportBackoff backoff = new ExportBackoff(500, 30_000, () -> 0.0);
    assertEquals(250, backoff.delayMs(1, "soon", NOW));
  }
}
