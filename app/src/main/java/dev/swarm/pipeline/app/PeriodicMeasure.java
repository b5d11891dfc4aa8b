package dev.swarm.pipeline.app;

import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a blocking measurement (file sizes, free space) on a worker every interval, never two at once: a slow disk
 * skips ticks instead of piling them up. For the guards that refuse writes ({@link DiskGuard},
 * {@link BrokerBacklogGuard}).
 */
final class PeriodicMeasure implements AutoCloseable {
  private final Vertx vertx;
  private final AtomicBoolean measuring = new AtomicBoolean();
  private final long timerId;

  PeriodicMeasure(Vertx vertx, long intervalMs, Runnable measure) {
    this.vertx = vertx;
    this.timerId = vertx.setPeriodic(intervalMs, id -> {
      if (measuring.compareAndSet(false, true)) {
        vertx.executeBlocking(() -> {
          measure.run();
          return null;
        }, false).onComplete(ar -> measuring.set(false));
      }
    });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
  }
}
