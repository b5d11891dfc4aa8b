package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.kafka.LogRateLimit;
import dev.swarm.pipeline.schema.TraceRecord;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage's writer side: the batch being filled, the batches waiting for the writer, and the writer's schedule
 * (one job at a time: a batch, retried until committed, then its offsets committed and its in-process callers told;
 * or a retention step, interleaved so neither starves). Also the writer's health for readiness. Event-loop
 * confined; time from the clock passed in.
 */
final class StorageWriteQueue {
  private static final Logger LOG = LoggerFactory.getLogger(StorageWriteQueue.class);

  private final StorageConfig config;
  private final TraceBatchWriter writer;
  private final RetentionSteps retention;
  private final String store;
  private final StorageMetrics metrics;
  private final Function<Map<Integer, Long>, Future<Void>> commit;
  private final LongSupplier clock;
  private final RetryingTraceWriter retryingWriter;
  private final LogRateLimit retentionLog = new LogRateLimit(1, 60_000);
  private final LogRateLimit writeFailureLog = new LogRateLimit(5, 60_000);

  private StorageBatch current;
  private final Deque<StorageBatch> ready = new ArrayDeque<>(); // full or due, waiting for the writer
  private int readySpans;
  private int writingSpans;
  private Future<Void> writeInFlight = Future.succeededFuture();
  private boolean writing;
  private boolean draining;
  private boolean lastWasRetention;
  private boolean retentionBacklog;
  private boolean overBound; // pages in use above STORAGE_MAX_BYTES itself at the last step
  private long nextRetentionCheck;
  private volatile String writeProblem;
  private long failingSinceMillis;

  /**
   * @param retention null when neither an age nor a size bound is set
   * @param store names the database in logs and readiness messages ({@link StorageBackend#describe()})
   * @param commit commits consumed offsets once their batch is in the database (never fails)
   */
  StorageWriteQueue(Vertx vertx, StorageConfig config, TraceBatchWriter writer, RetentionSteps retention, String store,
      StorageMetrics metrics, Function<Map<Integer, Long>, Future<Void>> commit, LongSupplier clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.writer = Objects.requireNonNull(writer, "writer");
    this.retention = retention;
    this.store = Objects.requireNonNull(store, "store");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.commit = Objects.requireNonNull(commit, "commit");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.retryingWriter = new RetryingTraceWriter(vertx, writer, config.retryBackoff(), this::onWriteFailure,
        // A full database may need the pages retention frees before the batch fits.
        () -> retention == null ? Future.succeededFuture() : retentionStep());
    this.current = newBatch();
  }

  /** Adds one consumed record ({@code message} null when it could not be decoded: its offset still advances). */
  void add(int partition, long offset, TraceRecord message) {
    current.add(partition, offset, message, clock.getAsLong());
    sealIfFull();
  }

  /** Adds one trace handed over in process; {@code committed} is completed once its batch is in the database. */
  void add(TraceRecord message, Promise<Void> committed) {
    current.add(message, committed, clock.getAsLong());
    sealIfFull();
  }

  /** True while as many spans as STORAGE_MAX_PENDING_SPANS wait for their database commit. */
  boolean full() {
    return pendingSpans() >= config.maxPendingSpans();
  }

  /**
   * Seals the current batch once it is due, and starts the writer's next job if it is idle: a retention step when
   * one is due (every check interval, and while there is a backlog, alternating with batches so neither starves;
   * only steps while the pages in use exceed STORAGE_MAX_BYTES itself, so the file outgrows it by one batch at
   * most), else the oldest ready batch.
   */
  void tick() {
    long now = clock.getAsLong();
    if (current.isDue(now)) {
      seal();
    }
    metrics.queueSpans.set(pendingSpans());
    if (writing || draining) {
      return;
    }
    boolean retentionDue = retention != null
        && (retentionBacklog ? !lastWasRetention || ready.isEmpty() || overBound : now >= nextRetentionCheck);
    if (retentionDue) {
      writing = true;
      lastWasRetention = true;
      writeInFlight = retentionStep().onComplete(ar -> {
        writing = false;
        tick();
      });
      return;
    }
    if (!ready.isEmpty()) {
      writeBatch();
    }
  }

  /**
   * Stop: no new job is started; once the job in flight is over, the current batch is sealed and every batch
   * written (each commits its offsets). Ends early, leaving batches unwritten, once {@link #abandon()} stopped
   * the writer. Never fails.
   */
  Future<Void> drain() {
    draining = true;
    return writeInFlight.otherwiseEmpty().compose(v -> {
      if (!current.isEmpty()) {
        seal();
      }
      return writeReady();
    });
  }

  /** Stops retrying: the batch in flight fails (stays uncommitted, read again after a restart). */
  void abandon() {
    retryingWriter.stop();
  }

  /** Tells in-process callers whose traces were not written (their spans are read again after a restart). */
  void failUnwritten(Throwable cause) {
    ready.forEach(b -> b.completions().forEach(p -> p.tryFail(cause)));
    current.completions().forEach(p -> p.tryFail(cause));
  }

  /**
   * Why storage cannot write right now (for readiness), or null: set once the current batch has failed for a
   * second or three times, cleared by the next commit. Any thread.
   */
  String problem() {
    return writeProblem;
  }

  /** Spans consumed (or handed over and decoded) and not yet committed to the database. */
  int pendingSpans() {
    return writingSpans + readySpans + current.spans();
  }

  private StorageBatch newBatch() {
    return new StorageBatch(config.batchMaxSpans(), config.batchMaxMs());
  }

  private void sealIfFull() {
    if (current.isFull()) {
      seal(); // batches stay within batchMaxSpans (unless one record alone is larger)
    }
  }

  /** Queues the current batch for writing and starts a new one. */
  private void seal() {
    ready.addLast(current);
    readySpans += current.spans();
    current = newBatch();
  }

  /** Writes the remaining ready batches one after another (stops early once the writer is stopped). */
  private Future<Void> writeReady() {
    if (ready.isEmpty()) {
      return Future.succeededFuture();
    }
    return writeBatch().transform(ar -> ar.succeeded() ? writeReady() : Future.succeededFuture());
  }

  /** Writes the oldest ready batch (retrying until committed), then commits its offsets. */
  private Future<Void> writeBatch() {
    StorageBatch batch = ready.removeFirst();
    readySpans -= batch.spans();
    writing = true;
    lastWasRetention = false;
    writingSpans = batch.spans();
    metrics.queueSpans.set(pendingSpans());
    Timer.Sample sample = Timer.start();
    writeInFlight = retryingWriter.writeUntilCommitted(batch.messages())
        .compose(result -> {
          writeSucceeded();
          sample.stop(metrics.batchTime);
          metrics.batchSpans.record(result.spans());
          metrics.spansWritten.increment(result.spans());
          metrics.tracesWritten.increment(result.traces());
          return batch.nextOffsets().isEmpty() ? Future.succeededFuture() : commit.apply(batch.nextOffsets());
        })
        .onSuccess(v -> batch.completions().forEach(Promise::tryComplete))
        .onComplete(ar -> {
          writing = false;
          writingSpans = 0;
          metrics.queueSpans.set(pendingSpans());
          if (ar.failed()) {
            batch.completions().forEach(p -> p.tryFail(ar.cause()));
            LOG.warn("batch of {} spans not written before stop; its offsets stay uncommitted", batch.spans());
          } else {
            tick();
          }
        });
    return writeInFlight;
  }

  /** One retention step (then a vacuum step when free pages exceed the slack); never fails. */
  private Future<Void> retentionStep() {
    Timer.Sample sample = Timer.start();
    return retention.step()
        .compose(step -> step.freeBytes() <= retention.config().freeSlackBytes() ? Future.succeededFuture(step)
            : retention.vacuum().map(bytes -> {
              metrics.vacuumedBytes.increment(bytes);
              return step;
            }))
        .map(step -> {
          sample.stop(metrics.retentionStep);
          metrics.retentionDeletedTraces.increment(step.traces());
          metrics.retentionDeletedSpans.increment(step.spans());
          metrics.usedBytes.set(step.usedBytes());
          long now = clock.getAsLong();
          metrics.oldestTraceAgeSeconds.set(
              step.oldestWriteMillis() == null ? 0 : Math.max(0, (now - step.oldestWriteMillis()) / 1000));
          retentionBacklog = step.more();
          overBound = step.more() && retention.config().maxBytes() > 0 && step.usedBytes() > retention.config().maxBytes();
          nextRetentionCheck = now + retention.config().checkIntervalMs();
          if (step.traces() == 0 && step.overSize()) {
            long leftOut = retentionLog.tryAcquire();
            if (leftOut >= 0) {
              LOG.warn("{} holds {} bytes, over STORAGE_MAX_BYTES={}, and has no trace left to delete{}",
                  store, step.usedBytes(), retention.config().maxBytes(), LogRateLimit.leftOut(leftOut));
            }
          }
          return (Void) null;
        })
        .recover(e -> {
          metrics.retentionFailures.increment();
          retentionBacklog = false;
          nextRetentionCheck = clock.getAsLong() + retention.config().checkIntervalMs();
          long leftOut = retentionLog.tryAcquire();
          if (leftOut >= 0) {
            LOG.warn("retention step on {} failed, trying again in {} ms: {}{}", store,
                retention.config().checkIntervalMs(), e.toString(), LogRateLimit.leftOut(leftOut));
          }
          return Future.succeededFuture();
        });
  }

  private void onWriteFailure(int failures, long retryInMillis, Throwable cause) {
    metrics.writeFailures.increment();
    long now = clock.getAsLong();
    if (failures == 1) {
      failingSinceMillis = now;
    }
    if (failures >= 3 || now - failingSinceMillis >= 1000) {
      metrics.writerHealthy.set(0);
      writeProblem = "writing to " + store + " has failed " + failures + " times since "
          + Instant.ofEpochMilli(failingSinceMillis) + " (offsets stay uncommitted, retrying): " + cause.getMessage();
    }
    long leftOut = writeFailureLog.tryAcquire();
    if (leftOut >= 0) {
      LOG.warn("writing a batch to {} failed (attempt {}), retrying in {} ms; consumer paused once {} spans wait: {}{}",
          store, failures, retryInMillis, config.maxPendingSpans(), cause.toString(),
          LogRateLimit.leftOut(leftOut));
    }
  }

  private void writeSucceeded() {
    if (writeProblem != null) {
      LOG.info("writing to {} works again", store);
    }
    writeProblem = null;
    metrics.writerHealthy.set(1);
  }
}
