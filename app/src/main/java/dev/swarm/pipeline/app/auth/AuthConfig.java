package dev.swarm.pipeline.app.auth;

import java.nio.file.Path;

/**
 * Whether requests need credentials.
 *
 * @param tokensFile AUTH_TOKENS_FILE; null when auth is off
 * @param reloadIntervalMs AUTH_RELOAD_INTERVAL_MS: how often the file is looked at for changes
 * @param offBecause why auth is off (for the start-up warning), null when it is on
 */
public record AuthConfig(Path tokensFile, long reloadIntervalMs, String offBecause) {
  public static final long DEFAULT_RELOAD_INTERVAL_MS = 1000;

  public boolean enabled() {
    return tokensFile != null;
  }

  /** True for the addresses only this machine reaches: 127.0.0.0/8, ::1 and localhost. */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equals("localhost") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}");
  }
}
