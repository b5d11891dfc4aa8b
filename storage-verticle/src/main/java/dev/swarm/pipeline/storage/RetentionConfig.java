package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.config.EnvReader;

/**
 * What storage keeps: traces younger than {@code maxAgeMillis} (counted from storage's last write of the trace)
 * and, when {@code maxBytes} is set, no more database pages than that. Deletion runs in small steps between write
 * batches ({@link TraceRetention}).
 *
 * @param maxAgeMillis TRACE_RETENTION (default 7d); 0 keeps traces whatever their age
 * @param maxBytes STORAGE_MAX_BYTES; 0 = no size bound
 * @param checkIntervalMs how often storage looks for expired traces while it has nothing to delete
 *     (STORAGE_RETENTION_CHECK_MS, 5000)
 * @param stepTargetMs a deletion step aims to hold the writer about this long (STORAGE_RETENTION_STEP_MS, 50)
 */
public record RetentionConfig(long maxAgeMillis, long maxBytes, long checkIntervalMs, long stepTargetMs) {

  public static final long DEFAULT_MAX_AGE_MILLIS = 7L * 24 * 3600 * 1000;
  public static final long DEFAULT_CHECK_INTERVAL_MS = 5000;
  public static final long DEFAULT_STEP_TARGET_MS = 50;

  /** Smallest STORAGE_MAX_BYTES: below a few MiB the schema and one batch alone exceed it. */
  public static final long MIN_MAX_BYTES = 4L << 20;

  public RetentionConfig {
    if (maxAgeMillis < 0 || maxBytes < 0 || checkIntervalMs <= 0 || stepTargetMs <= 0) {
      throw new IllegalArgumentException("retention settings: maxAgeMillis and maxBytes not negative, intervals"
          + " positive (" + maxAgeMillis + ", " + maxBytes + ", " + checkIntervalMs + ", " + stepTargetMs + ")");
    }
    if (maxBytes > 0 && maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException("maxBytes must be at least " + MIN_MAX_BYTES + ": " + maxBytes);
    }
  }

  /** 7 days, no size bound. */
  public static RetentionConfig defaults() {
    return new RetentionConfig(DEFAULT_MAX_AGE_MILLIS, 0, DEFAULT_CHECK_INTERVAL_MS, DEFAULT_STEP_TARGET_MS);
  }

  public boolean enabled() {
    return maxAgeMillis > 0 || maxBytes > 0;
  }

  /** Pages in use above which the oldest traces are deleted: 95% of the bound, so free pages fit under it. */
  public long highWaterBytes() {
    return maxBytes - maxBytes / 20;
  }

  /** Once over the high-water mark, deletion goes on until pages in use are below this (94%). */
  public long lowWaterBytes() {
    return maxBytes - maxBytes / 100 * 6;
  }

  /**
   * Free pages kept in the file for reuse; more are given back to the filesystem (incremental vacuum, on files
   * created with it): 4% of the bound, at most 64 MiB; 64 MiB without a bound.
   */
  public long freeSlackBytes() {
    long cap = 64L << 20;
    return maxBytes > 0 ? Math.min(cap, maxBytes / 25) : cap;
  }

  /** TRACE_RETENTION, STORAGE_MAX_BYTES and the retention pacing, bounded; problems go to {@code r}. */
  public static RetentionConfig fromEnv(EnvReader r) {
    long maxAge = r.duration("TRACE_RETENTION", DEFAULT_MAX_AGE_MILLIS, 0, 3650L * 86_400_000L);
    long maxBytes = r.bytes("STORAGE_MAX_BYTES", 0, 0, 1L << 50);
    if (maxBytes > 0 && maxBytes < MIN_MAX_BYTES) {
      r.problem("STORAGE_MAX_BYTES=" + maxBytes + ": must be at least 4MiB (or unset for no size bound)");
      maxBytes = 0;
    }
    return new RetentionConfig(maxAge, maxBytes,
        r.longValue("STORAGE_RETENTION_CHECK_MS", DEFAULT_CHECK_INTERVAL_MS, 100, 60_000),
        r.longValue("STORAGE_RETENTION_STEP_MS", DEFAULT_STEP_TARGET_MS, 1, 10_000));
  }
}
