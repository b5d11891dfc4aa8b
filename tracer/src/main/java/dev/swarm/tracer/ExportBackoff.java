package dev.swarm.tracer;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;

/**
 * How long to wait before retrying an export: the pipeline's {@code Retry-After} when it sent one (seconds or an
 * HTTP date), else exponential backoff with jitter (so many services do not retry in step); never more than the
 * configured maximum.
 */
final class ExportBackoff {
  private final long initialMs;
  private final long maxMs;
  private final DoubleSupplier random;

  /** @param random uniform values in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble} */
  ExportBackoff(long initialMs, long maxMs, DoubleSupplier random) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /**
   * @param failedAttempts tries that have failed so far (1 after the first)
   * @param retryAfter the response's Retry-After header, or null
   */
  long delayMs(int failedAttempts, String retryAfter, long nowEpochMillis) {
    OptionalLong asked = parseRetryAfter(retryAfter, nowEpochMillis);
    if (asked.isPresent()) {
      return Math.min(maxMs, asked.getAsLong());
    }
    int doublings = Math.min(Math.max(failedAttempts - 1, 0), 30);
    long base = Math.min(maxMs, initialMs << doublings);
    // Between half and all of the base delay.
    return Math.max(1, (long) (base * (0.5 + 0.5 * random.getAsDouble())));
  }

  /** Milliseconds asked for by a Retry-After value (delta-seconds or HTTP-date); empty when absent or invalid. */
  static OptionalLong parseRetryAfter(String value, long nowEpochMillis) {
    if (value == null || value.isBlank()) {
      return OptionalLong.empty();
    }
    String v = value.strip();
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (v.length() > 9) {
        return OptionalLong.of(Long.MAX_VALUE / 2); // absurdly long: the caller caps it
      }
      return OptionalLong.of(Long.parseLong(v) * 1000);
    }
    try {
      long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return OptionalLong.of(Math.max(0, at - nowEpochMillis));
    } catch (DateTimeParseException e) {
      return OptionalLong.empty();
    }
  }
}
