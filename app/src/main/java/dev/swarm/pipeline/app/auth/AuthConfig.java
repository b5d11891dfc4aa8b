package dev.swarm.pipeline.app.auth;

import java.nio.file.Path;

/**
 * Whether requests need credentials.
 *
 * @param tokensFile AUTH_TOKENS_FILE; null when auth is off
 * @param reloadIntervalMs AUTH_RELOAD_INTERVAL_MS: how often the file is looked at for changes
 * @param offBecause why auth is off (for the start-up warning), null when it is on
 * @param tenantSpansPerSecond TENANT_INGEST_SPANS_PER_SECOND: every tenant's rate unless its entry in the tokens
 *     file says otherwise; 0 = unlimited
 * @param tenantBurstSpans TENANT_INGEST_BURST_SPANS: every tenant's burst unless its entry says otherwise; 0 = one
 *     second of its rate
 * @param lockout AUTH_FAILURES_PER_MINUTE, AUTH_LOCKOUT, AUTH_LOCKOUT_MAX_ADDRESSES: when a client address that keeps
 *     failing authentication is refused for a while
 * @param trustedProxies HTTP_TRUSTED_PROXIES: the proxies whose X-Forwarded-For names the client address the lockout
 *     counts (none by default: the TCP peer)
 */
public record AuthConfig(Path tokensFile, long reloadIntervalMs, String offBecause, long tenantSpansPerSecond,
    long tenantBurstSpans, FailureLockout.Config lockout, TrustedProxies trustedProxies) {
  public static final long DEFAULT_RELOAD_INTERVAL_MS = 1000;

  /** A tenant's ingest limits: its entry in the tokens file, each field it leaves out from the defaults. */
  public dev.swarm.pipeline.ingest.TenantLimiter.Limits limitsOf(TokenFile.TenantLimits entry) {
    long rate = entry != null && entry.spansPerSecond() != null ? entry.spansPerSecond() : tenantSpansPerSecond;
    if (rate <= 0) {
      return dev.swarm.pipeline.ingest.TenantLimiter.Limits.UNLIMITED;
    }
    long burst = entry != null && entry.burstSpans() != null ? entry.burstSpans() : tenantBurstSpans;
    return new dev.swarm.pipeline.ingest.TenantLimiter.Limits(rate, burst > 0 ? burst : rate);
  }

  public boolean enabled() {
    return tokensFile != null;
  }

  /** True for the addresses only this machine reaches: 127.0.0.0/8, ::1 and localhost. */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equals("localhost") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}");
  }
}
