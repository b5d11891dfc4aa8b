package dev.swarm.pipeline.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A byte budget shared by all ingest connections: what is being read, decoded or published holds part of it,
 * so memory held for requests stays bounded whatever the client concurrency. Thread-safe.
 */
public final class InflightBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  public InflightBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive");
    }
    this.limit = limit;
  }

  /** Takes {@code bytes} if they fit under the limit; returns false (taking nothing) otherwise. */
  public boolean tryAcquire(long bytes) {
    while (true) {
      long cur = used.get();
      long next = cur + bytes;
      if (next > limit) {
        return false;
      }
      if (used.compareAndSet(cur, next)) {
        return true;
      }
    }
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }

  public long used() {
    return used.get();
  }

  public long limit() {
    return limit;
  }
}
