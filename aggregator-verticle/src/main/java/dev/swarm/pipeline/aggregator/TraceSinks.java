package dev.swarm.pipeline.aggregator;

import io.vertx.core.Future;
import java.util.List;
import java.util.Objects;

/** Sinks made of other sinks. */
public final class TraceSinks {
  private TraceSinks() {}

  /**
   * Stores every trace in both sinks; a trace is durable once both have it. When one of them refuses a trace for
   * good, it counts as stored once the other has it (the refusal is reported by the caller's log and counter only
   * if both refuse it).
   */
  public static TraceSink both(TraceSink first, TraceSink second) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(second, "second");
    return new TraceSink() {
      @Override
      public Future<Void> store(AssembledTrace trace) {
        Future<Void> a = first.store(trace);
        Future<Void> b = second.store(trace);
        return Future.join(a, b).transform(ar -> {
          if (ar.succeeded()) {
            return Future.succeededFuture();
          }
          boolean aRefused = a.failed() && a.cause() instanceof UnstorableTraceException;
          boolean bRefused = b.failed() && b.cause() instanceof UnstorableTraceException;
          if ((a.succeeded() || aRefused) && (b.succeeded() || bRefused)) {
            return aRefused && bRefused ? Future.failedFuture(a.cause()) : Future.succeededFuture();
          }
          return Future.failedFuture(a.failed() && !aRefused ? a.cause() : b.cause());
        });
      }

      @Override
      public long maxPendingSpans() {
        return Math.min(first.maxPendingSpans(), second.maxPendingSpans());
      }

      @Override
      public String describe() {
        return first.describe() + " and " + second.describe();
      }

      @Override
      public Future<Void> close() {
        return Future.join(List.of(first.close(), second.close())).mapEmpty();
      }
    };
  }
}
