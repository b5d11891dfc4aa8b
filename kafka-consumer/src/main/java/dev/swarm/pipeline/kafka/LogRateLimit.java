package dev.swarm.pipeline.kafka;

import java.util.function.LongSupplier;

/**
 * At most {@code maxPerWindow} log lines per window for one recurring problem, so a fault that repeats every
 * second (a full disk, a failing checkpoint) does not flood the log; the next allowed line says how many were
 * left out. Thread-safe.
 */
public final class LogRateLimit {

  private final int maxPerWindow;
  private final long windowMs;
  private final LongSupplier clock;
  private long windowStart = Long.MIN_VALUE;
  private int inWindow;
  private long suppressed;

  public LogRateLimit(int maxPerWindow, long windowMs) {
    this(maxPerWindow, windowMs, System::currentTimeMillis);
  }

  public LogRateLimit(int maxPerWindow, long windowMs, LongSupplier clock) {
    if (maxPerWindow <= 0 || windowMs <= 0) {
      throw new IllegalArgumentException("maxPerWindow and windowMs must be positive");
    }
    this.maxPerWindow = maxPerWindow;
    this.windowMs = windowMs;
    this.clock = clock;
  }

  /**
   * -1 when this occurrence is not to be logged; else the number of occurrences left out since the last logged
   * one (0 usually), to mention in the line.
   */
  public synchronized long tryAcquire() {
    long now = clock.getAsLong();
    if (windowStart == Long.MIN_VALUE || now - windowStart >= windowMs) {
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow >= maxPerWindow) {
      suppressed++;
      return -1;
    }
    inWindow++;
    long left = suppressed;
    suppressed = 0;
    return left;
  }

  /** " (N similar lines left out)" or "", from a {@link #tryAcquire()} result. */
  public static String leftOut(long n) {
    return n > 0 ? " (" + n + " similar lines left out)" : "";
  }
}
