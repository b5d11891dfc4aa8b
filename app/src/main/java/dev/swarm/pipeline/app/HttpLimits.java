package dev.swarm.pipeline.app;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * How long an HTTP client may hold a connection without using it.
 *
 * @param idleTimeoutMs HTTP_IDLE_TIMEOUT (default 60s): a connection with no traffic this long is closed, also one
 *     that never sent a byte
 * @param openFilesLimit the process's open-file limit as read at start (-1 when unknown), for the start-up log
 */
public record HttpLimits(long idleTimeoutMs, long openFilesLimit) {
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;

  /** The process's open-file limit, or -1 when the platform does not say. */
  static long readOpenFilesLimit() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return unix.getMaxFileDescriptorCount();
    }
    return -1;
  }
}
