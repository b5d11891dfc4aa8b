package dev.swarm.pipeline.storage;

/** Exponential backoff between write attempts: initial, doubled per failure, capped. */
public record RetryBackoff(long initialMillis, long maxMillis) {

  public RetryBackoff {
    if (initialMillis <= 0 || maxMillis < initialMillis) {
      throw new IllegalArgumentException("need 0 < initialMillis <= maxMillis: " + initialMillis + ", " + maxMillis);
    }
  }

  /** Delay before retry number {@code failures} (1 after the first failure). */
  public long delayMillis(int failures) {
    if (failures <= 1) {
      return initialMillis;
    }
    int shift = Math.min(failures - 1, 62);
    long delay = initialMillis << shift;
    // Overflowed or past the cap: the cap.
    return delay <= 0 || (delay >> shift) != initialMillis || delay > maxMillis ? maxMillis : delay;
  }
}
