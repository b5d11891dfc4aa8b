package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.TraceRecord;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes a batch until it is committed, on any backend ({@link TraceBatchWriter}): a failed transaction
 * (SQLITE_BUSY, disk full, read-only file, a lost PostgreSQL connection…) left nothing behind, so the same batch is
 * tried again after an exponential, capped backoff. Batches are never dropped; only {@link #stop()} ends the
 * retries (the batch's offsets stay uncommitted, so it is consumed again after a restart).
 */
public final class RetryingTraceWriter {

  /** Told about every failed attempt, e.g. to log and count it. */
  @FunctionalInterface
  public interface FailureListener {
    void onFailure(int failures, long retryInMillis, Throwable cause);
  }

  private final Vertx vertx;
  private final TraceBatchWriter writer;
  private final RetryBackoff backoff;
  private final FailureListener listener;
  private final Supplier<Future<Void>> beforeRetry;
  private volatile boolean stopped;

  public RetryingTraceWriter(Vertx vertx, TraceBatchWriter writer, RetryBackoff backoff, FailureListener listener) {
    this(vertx, writer, backoff, listener, Future::succeededFuture);
  }

  /**
   * @param beforeRetry runs before each new attempt (e.g. a retention step, which may free the pages a full
   *     database needs); its failure does not stop the retry
   */
  public RetryingTraceWriter(Vertx vertx, TraceBatchWriter writer, RetryBackoff backoff, FailureListener listener,
      Supplier<Future<Void>> beforeRetry) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.writer = Objects.requireNonNull(writer, "writer");
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.beforeRetry = Objects.requireNonNull(beforeRetry, "beforeRetry");
  }

  /** Completes once the batch is committed; fails only when stopped before that. */
  public Future<WriteResult> writeUntilCommitted(List<TraceRecord> batch) {
    Promise<WriteResult> done = Promise.promise();
    attempt(batch, 0, done);
    return done.future();
  }

  /** Ends pending and future retries; their futures fail. */
  public void stop() {
    stopped = true;
  }

  private void attempt(List<TraceRecord> batch, int failures, Promise<WriteResult> done) {
    if (stopped) {
      done.fail(new IllegalStateException("trace writer stopped before the batch was committed"));
      return;
    }
    writer.write(batch).onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
        return;
      }
      int failed = failures + 1;
      long delay = backoff.delayMillis(failed);
      listener.onFailure(failed, delay, ar.cause());
      if (stopped) {
        done.fail(ar.cause());
        return;
      }
      vertx.setTimer(delay, id -> beforeRetry.get().onComplete(ignored -> attempt(batch, failed, done)));
    });
  }
}
