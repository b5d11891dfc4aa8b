package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.EnvReader;

/**
 * @param minFreeBytes MIN_FREE_DISK_BYTES (default 1GiB): with less free space on the filesystem of DATA_DIR or
 *     of SQLITE_PATH, write endpoints answer 503 {@code disk_low} and readiness fails; 0 turns the guard off
 * @param checkIntervalMs DISK_CHECK_INTERVAL_MS (default 1000): how often free space is measured
 */
public record DiskGuardConfig(long minFreeBytes, long checkIntervalMs) {
  public static final long DEFAULT_MIN_FREE_BYTES = 1L << 30;
  public static final long DEFAULT_CHECK_INTERVAL_MS = 1000;

  public DiskGuardConfig {
    if (minFreeBytes < 0 || checkIntervalMs <= 0) {
      throw new IllegalArgumentException("minFreeBytes must not be negative, checkIntervalMs positive");
    }
  }

  /** MIN_FREE_DISK_BYTES and DISK_CHECK_INTERVAL_MS, bounded. */
  public static DiskGuardConfig fromEnv(EnvReader r) {
    return new DiskGuardConfig(
        r.bytes("MIN_FREE_DISK_BYTES", DEFAULT_MIN_FREE_BYTES, 0, 1L << 50),
        r.longValue("DISK_CHECK_INTERVAL_MS", DEFAULT_CHECK_INTERVAL_MS, 100, 60_000));
  }
}
