package dev.swarm.pipeline.ingest;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Per-tenant ingest limits: a token bucket per tenant, refilled at {@code spansPerSecond} up to {@code burstSpans}.
 * A request takes all its spans or none; when the bucket lacks them the answer says how many whole seconds until
 * it holds enough. Limits are looked up on every request (so a reloaded tokens file applies at once); a tenant
 * whose limits change gets a new, full bucket. Thread-safe: ingest runs on several event loops.
 */
public final class TenantLimiter {

  /** A tenant's limits; {@link #UNLIMITED} admits everything. */
  public record Limits(long spansPerSecond, long burstSpans) {
    public static final Limits UNLIMITED = new Limits(Long.MAX_VALUE, Long.MAX_VALUE);

    public Limits {
      if (spansPerSecond < 1 || burstSpans < 1) {
        throw new IllegalArgumentException("limits must be positive: " + spansPerSecond + "/s, burst " + burstSpans);
      }
    }

    boolean unlimited() {
      return spansPerSecond == Long.MAX_VALUE;
    }
  }

  /** Most tenants kept: past it the buckets are dropped and start full again (bounded memory). */
  static final int MAX_TENANTS = 100_000;

  private final Function<String, Limits> limitsOf;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** @param limitsOf a tenant's current limits (never null) */
  public TenantLimiter(Function<String, Limits> limitsOf, LongSupplier nanoTime) {
    this.limitsOf = Objects.requireNonNull(limitsOf, "limitsOf");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * 0 when the tenant may write {@code spans} now (they are taken); else the seconds to wait (at least 1); -1 when
   * they can never fit (more than the tenant's burst: waiting cannot help).
   */
  public long admit(String tenant, int spans) {
    Limits limits = limitsOf.apply(tenant);
    if (limits.unlimited()) {
      return 0;
    }
    if (buckets.size() >= MAX_TENANTS && !buckets.containsKey(tenant)) {
      buckets.clear();
    }
    Bucket bucket = buckets.compute(tenant, (t, b) -> b == null || !b.limits.equals(limits) ? new Bucket(limits, nanoTime.getAsLong()) : b);
    return bucket.take(spans, nanoTime.getAsLong());
  }

  private static final class Bucket {
    final Limits limits;
    private double tokens;
    private long lastNanos;

    Bucket(Limits limits, long now) {
      this.limits = limits;
      this.tokens = limits.burstSpans();
      this.lastNanos = now;
    }

    synchronized long take(int spans, long now) {
      tokens = Math.min(limits.burstSpans(), tokens + (now - lastNanos) / 1e9 * limits.spansPerSecond());
      lastNanos = now;
      if (spans <= tokens) {
        tokens -= spans;
        return 0;
      }
      if (spans > limits.burstSpans()) {
        return -1;
      }
      return Math.max(1, (long) Math.ceil((spans - tokens) / limits.spansPerSecond()));
    }
  }
}
