package dev.swarm.pipeline.app.auth;

import dev.swarm.pipeline.config.EnvReader;
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


  /**
   * Secure by default: credentials are needed once AUTH_TOKENS_FILE is set; without it the process serves only a
   * loopback HTTP_HOST unless AUTH=off says that is meant.
   */
  public static AuthConfig fromEnv(EnvReader r, String host) {
    String mode = r.string("AUTH", "").toLowerCase(java.util.Locale.ROOT);
    String file = r.raw("AUTH_TOKENS_FILE");
    long reload = r.longValue("AUTH_RELOAD_INTERVAL_MS", DEFAULT_RELOAD_INTERVAL_MS, 100, 3_600_000);
    long rate = r.longValue("TENANT_INGEST_SPANS_PER_SECOND", 0, 0, 1_000_000_000);
    long burst = r.longValue("TENANT_INGEST_BURST_SPANS", 0, 0, 1_000_000_000);
    FailureLockout.Config lockout = new FailureLockout.Config(
        r.integer("AUTH_FAILURES_PER_MINUTE", FailureLockout.Config.DEFAULT_FAILURES_PER_MINUTE, 1, 100_000),
        r.duration("AUTH_LOCKOUT", FailureLockout.Config.DEFAULT_LOCKOUT_MS, 1000, 86_400_000L),
        r.integer("AUTH_LOCKOUT_MAX_ADDRESSES", FailureLockout.Config.DEFAULT_MAX_ADDRESSES, 100, 1_000_000));
    TrustedProxies proxies = trustedProxies(r);
    switch (mode) {
      case "off":
        return new AuthConfig(null, reload, file == null ? "AUTH=off" : "AUTH=off (AUTH_TOKENS_FILE is ignored)", rate,
            burst, lockout, proxies);
      case "on", "":
        if (file != null) {
          return new AuthConfig(Path.of(file), reload, null, rate, burst, lockout, proxies);
        }
        if (mode.equals("on")) {
          r.problem("AUTH=on needs AUTH_TOKENS_FILE (create one with: trace-pipeline token create --tenant '*'"
              + " --scopes write,read,admin --file FILE)");
        } else if (!isLoopback(host)) {
          r.problem("HTTP_HOST=" + host + " is reachable from other machines and no AUTH_TOKENS_FILE is set: anyone"
              + " could write and read every tenant's traces. Set AUTH_TOKENS_FILE (trace-pipeline token create"
              + " --tenant '*' --scopes write,read,admin --file FILE), or AUTH=off if something in front"
              + " authenticates");
        }
        return new AuthConfig(null, reload, "no AUTH_TOKENS_FILE and HTTP_HOST=" + host + " is loopback", rate, burst,
            lockout, proxies);
      default:
        r.problem("AUTH=" + mode + ": must be on or off (unset: on when AUTH_TOKENS_FILE is set)");
        return new AuthConfig(null, reload, "AUTH invalid", rate, burst, lockout, proxies);
    }
  }


  /** HTTP_TRUSTED_PROXIES: IP literals and CIDR ranges only; a host name is refused, never resolved. */
  private static TrustedProxies trustedProxies(EnvReader r) {
    String spec = r.raw("HTTP_TRUSTED_PROXIES");
    try {
      return TrustedProxies.parse(spec);
    } catch (IllegalArgumentException e) {
      r.problem("HTTP_TRUSTED_PROXIES=" + spec + ": " + e.getMessage());
      return TrustedProxies.NONE;
    }
  }
}
