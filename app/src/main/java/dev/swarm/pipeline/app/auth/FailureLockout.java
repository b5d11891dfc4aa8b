package dev.swarm.pipeline.app.auth;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed authentications per client address: an address with {@code failuresPerMinute} failures within a minute is
 * locked out for {@code lockoutMs}, and every request of it is refused meanwhile, even one with a valid token, so
 * one address cannot try token after token. The window is fixed: it starts at an address's first failure and lasts
 * a minute; once a lockout ends, counting starts afresh. A successful authentication does not reset the count (a
 * client alternating a good and a bad token still reaches the limit).
 *
 * <p>Bounded memory: at most {@code maxAddresses} addresses are kept (counting or locked out). A new address first
 * drops those at the head of the order whose window and lockout are over; past the cap it drops the oldest window
 * anyway, even a locked-out address, so a flood from many addresses cannot grow memory (it can only free a
 * locked-out address early, counted in {@link #dropped()}).
 *
 * <p>Thread-safe: the check made on every request reads a concurrent map without locking; counting a failure locks.
 */
public final class FailureLockout {

  /**
   * @param failuresPerMinute AUTH_FAILURES_PER_MINUTE: failures within a minute that lock an address out
   * @param lockoutMs AUTH_LOCKOUT: how long a locked-out address is refused
   * @param maxAddresses AUTH_LOCKOUT_MAX_ADDRESSES: addresses kept at most
   */
  public record Config(int failuresPerMinute, long lockoutMs, int maxAddresses) {
    public static final int DEFAULT_FAILURES_PER_MINUTE = 30;
    public static final long DEFAULT_LOCKOUT_MS = 60_000;
    public static final int DEFAULT_MAX_ADDRESSES = 10_000;
    public static final Config DEFAULTS =
        new Config(DEFAULT_FAILURES_PER_MINUTE, DEFAULT_LOCKOUT_MS, DEFAULT_MAX_ADDRESSES);

    public Config {
      if (failuresPerMinute < 1 || lockoutMs < 1 || maxAddresses < 1) {
        throw new IllegalArgumentException("lockout settings must be positive: " + failuresPerMinute + ", "
            + lockoutMs + " ms, " + maxAddresses);
      }
    }
  }

  static final long WINDOW_NANOS = 60_000_000_000L;

  private final int maxFailures;
  private final long lockoutNanos;
  private final int maxAddresses;
  private final LongSupplier nanoTime;
  /** Every address kept, in the order its window started (a new window moves it to the end); guarded by this. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  /** The addresses locked out and until when (nanoTime): a subset of entries, read without locking. */
  private final Map<String, Long> lockedUntil = new ConcurrentHashMap<>();
  private long dropped; // guarded by this

  private static final class Entry {
    final long windowStart;
    int failures;
    boolean locked;
    long until;

    Entry(long windowStart) {
      this.windowStart = windowStart;
    }

    /** Neither counting nor locked out any more. */
    boolean over(long now) {
      return now - windowStart >= WINDOW_NANOS && (!locked || now - until >= 0);
    }
  }

  public FailureLockout(Config config, LongSupplier nanoTime) {
    this.maxFailures = config.failuresPerMinute();
    this.lockoutNanos = config.lockoutMs() * 1_000_000L;
    this.maxAddresses = config.maxAddresses();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** Nanoseconds the address stays locked out, 0 when it is not. Lock-free: called for every request. */
  public long lockedForNanos(String address) {
    Long until = lockedUntil.get(address);
    if (until == null) {
      return 0;
    }
    long left = until - nanoTime.getAsLong();
    return Math.max(0, left);
  }

  /**
   * Counts a failed authentication of the address.
   *
   * @return true when this failure locked it out
   */
  public synchronized boolean failed(String address) {
    long now = nanoTime.getAsLong();
    Entry e = entries.get(address);
    if (e != null && e.locked && now - e.until < 0) {
      return false; // already locked out (a request that was checked just before the lockout began)
    }
    if (e != null && (e.locked || now - e.windowStart >= WINDOW_NANOS)) {
      // The window is over, or a lockout ended: count afresh, and move the address to the end of the order.
      entries.remove(address);
      lockedUntil.remove(address);
      e = null;
    }
    if (e == null) {
      makeRoom(now);
      e = new Entry(now);
      entries.put(address, e);
    }
    e.failures++;
    if (e.failures < maxFailures) {
      return false;
    }
    e.locked = true;
    e.until = now + lockoutNanos;
    lockedUntil.put(address, e.until);
    return true;
  }

  /** Drops the addresses at the head whose window and lockout are over; past the cap, the oldest anyway. */
  private void makeRoom(long now) {
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Entry> oldest = it.next();
      if (!oldest.getValue().over(now)) {
        break;
      }
      it.remove();
      lockedUntil.remove(oldest.getKey());
    }
    if (entries.size() >= maxAddresses) {
      String oldest = entries.keySet().iterator().next();
      entries.remove(oldest);
      lockedUntil.remove(oldest);
      dropped++;
    }
  }

  /** Addresses locked out now. */
  public int lockedOut() {
    long now = nanoTime.getAsLong();
    int n = 0;
    for (long until : lockedUntil.values()) {
      if (until - now > 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * Addresses kept: counting failures or locked out (and a few whose time is over, dropped with the next new
   * address once they reach the head of the order).
   */
  public synchronized int addresses() {
    return entries.size();
  }

  /** Addresses dropped before their window or lockout was over because {@code maxAddresses} were kept. */
  public synchronized long dropped() {
    return dropped;
  }
}
