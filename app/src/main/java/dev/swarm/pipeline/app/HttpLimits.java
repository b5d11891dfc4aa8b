package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.EnvReader;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * What HTTP clients may hold of the process: connections, and how long one may sit unused.
 *
 * @param maxConnections HTTP_MAX_CONNECTIONS: open connections at most (all HTTP instances together); past it new
 *     ones are closed at once. Default: half the process's open-file limit, at most 10,000, so the broker's and
 *     SQLite's files always fit
 * @param idleTimeoutMs HTTP_IDLE_TIMEOUT (default 60s): a connection with no traffic this long is closed, also one
 *     that never sent a byte
 * @param openFilesLimit the process's open-file limit as read at start (-1 when unknown), for the start-up log
 */
public record HttpLimits(int maxConnections, long idleTimeoutMs, long openFilesLimit) {
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  static final int MAX_DEFAULT_CONNECTIONS = 10_000;

  static int defaultMaxConnections(long openFiles) {
    if (openFiles <= 0) {
      return 1000;
    }
    return (int) Math.max(16, Math.min(MAX_DEFAULT_CONNECTIONS, openFiles / 2));
  }

  /** The process's open-file limit, or -1 when the platform does not say. */
  static long readOpenFilesLimit() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return -1;
  }

  /** HTTP_MAX_CONNECTIONS (default from the open-file limit) and HTTP_IDLE_TIMEOUT, bounded. */
  public static HttpLimits fromEnv(EnvReader r) {
    long openFiles = readOpenFilesLimit();
    return new HttpLimits(
        r.integer("HTTP_MAX_CONNECTIONS", defaultMaxConnections(openFiles), 1, 1_000_000),
        r.duration("HTTP_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT_MS, 1000, 86_400_000L), openFiles);
  }
}
