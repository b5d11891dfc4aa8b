package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop;
import dev.swarm.pipeline.kafka.LogRateLimit;
import dev.swarm.pipeline.kafka.UnreadableRecordException;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes assembled traces, batches them ({@link StorageBatch}), writes each batch to SQLite in one transaction
 * ({@link TraceWriter}, retried until committed) and only then says they are durable. Traces come one of two
 * ways:
 * <ul>
 *   <li>consumed from swarm.traces (the split deployment) through a {@link KafkaConsumerLoop}: Kafka offsets are
 *       committed after the SQLite commit. While a batch is being written the next one is polled and decoded; the
 *       loop pauses the partitions once {@code maxPendingSpans} spans wait, and keeps polling so it stays in its group;
 *   <li>handed over by an aggregator in the same process ({@link #store}): the returned future completes after the
 *       SQLite commit, and the aggregator commits its own offsets then. The aggregator bounds what it hands over
 *       ({@link #maxPendingSpans()}).
 * </ul>
 * Also owns the query API's service ({@link #queryService()}).
 *
 * <p>Thin wiring: the logic lives in the plain classes it connects. Record decoding runs on a worker thread;
 * SQL runs on the JDBC pools' workers.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
  /** How often a batch that has waited STORAGE_BATCH_MAX_MS is looked for. */
  private static final long TICK_MS = 20;

  private final StorageConfig config;
  private final Map<String, String> consumerProps;
  private final MeterRegistry registry;

  private StorageMetrics metrics;
  private TraceRecordReader recordReader;
  private StorageDatabase database;
  private TraceWriter writer;
  private RetryingTraceWriter retryingWriter;
  private volatile TraceQueryService queryService;
  private DatabaseFileIdentity fileIdentity;
  private TraceRetention retention;
  private final LogRateLimit retentionLog = new LogRateLimit(1, 60_000);
  private final LogRateLimit writeFailureLog = new LogRateLimit(5, 60_000);
  private volatile String writeProblem;
  private long failingSinceMillis;
  private KafkaConsumerLoop<TraceMessage> consumer;
  private long diskTimer = -1;
  private long tickTimer = -1;

  // Event-loop state.
  private StorageBatch current;
  private final Deque<StorageBatch> ready = new ArrayDeque<>(); // full or due, waiting for the writer
  private int readySpans;
  private int writingSpans;
  private Future<Void> writeInFlight = Future.succeededFuture();
  private boolean writing;
  private boolean stopping;
  // Traces handed over in process, waiting to be decoded on a worker.
  private List<HandedOver> undecoded = new ArrayList<>();
  private Future<Void> decodeInFlight = Future.succeededFuture();
  private boolean decoding;
  private boolean lastWasRetention;
  private boolean retentionBacklog;
  private boolean overBound; // pages in use above STORAGE_MAX_BYTES itself at the last step
  private long nextRetentionCheck;

  /**
   * Storage that consumes the traces topic.
   *
   * @param config topic, group, database and limits
   * @param kafkaConsumerProps at least bootstrap.servers; group, commit mode and deserializers are set here
   * @param registry where the trace_storage_* meters go
   */
  public StorageVerticle(StorageConfig config, Map<String, String> kafkaConsumerProps, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.consumerProps = Map.copyOf(kafkaConsumerProps);
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /**
   * Storage fed only through {@link #store} by an aggregator in the same process: no Kafka consumer (the topic
   * and group settings of {@code config} are not used).
   */
  public StorageVerticle(StorageConfig config, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.consumerProps = null;
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /**
   * Stores one swarm.traces record value (read as {@link TraceRecordReader} reads the topic's records). Callable
   * from any thread once started. The future completes on the caller's context once the trace is committed to
   * SQLite; it fails with {@link InvalidTraceRecordException} when the value cannot be read, and otherwise only
   * when storage stops before the commit.
   *
   * @param normalized the value holds only normalised spans (what the aggregator writes), read the fast way
   */
  public Future<Void> store(byte[] traceRecord, boolean normalized) {
    io.vertx.core.Context caller = vertx.getOrCreateContext();
    Promise<Void> result = Promise.promise();
    Promise<Void> committed = Promise.promise();
    committed.future().onComplete(ar -> caller.runOnContext(v -> result.handle(ar)));
    context.runOnContext(v -> {
      if (stopping) {
        committed.fail(new IllegalStateException("storage is stopping"));
        return;
      }
      undecoded.add(new HandedOver(traceRecord, normalized, committed));
      decodeHandedOver();
    });
    return result.future();
  }

  /** Spans {@link #store} callers may hand over before their traces are committed (STORAGE_MAX_PENDING_SPANS). */
  public long maxPendingSpans() {
    return config.maxPendingSpans();
  }

  /**
   * Why storage cannot write right now (for readiness), or null: set once the current batch has failed for a
   * second or three times, cleared by the next commit.
   */
  public String problem() {
    return writeProblem;
  }

  /** The query API's service, for {@link TraceQueryRoutes#mount}; available once the verticle has started. */
  public TraceQueryService queryService() {
    TraceQueryService service = queryService;
    if (service == null) {
      throw new IllegalStateException("the storage verticle has not started");
    }
    return service;
  }

  @Override
  public Future<?> start() {
    metrics = new StorageMetrics(registry);
    recordReader = new TraceRecordReader(new SpanDecoder(config.spanLimits()));
    current = newBatch();
    return StorageDatabase.open(vertx, config.sqliteSettings(), config.queryPoolSize(), config.queryTimeoutMs(),
            config.checkpointIntervalMs())
        .compose(db -> {
          database = db;
          return vertx.executeBlocking(() -> DatabaseFileIdentity.of(config.sqlitePath()));
        })
        .compose(identity -> {
          fileIdentity = identity;
          StorageDatabase db = database;
          writer = new TraceWriter(db::newWriterPool, this::checkFile);
          RetentionConfig keep = config.retention();
          metrics.retentionSeconds.set(keep.maxAgeMillis() / 1000);
          metrics.maxBytes.set(keep.maxBytes());
          retention = keep.enabled() ? new TraceRetention(keep, System::currentTimeMillis) : null;
          retryingWriter = new RetryingTraceWriter(vertx, writer, config.retryBackoff(), this::onWriteFailure,
              // A full database may need the pages retention frees before the batch fits.
              () -> retention == null ? Future.succeededFuture() : retentionStep());
          queryService = new TraceQueryService(vertx, db.readPools(), config.queryMaxTraceSpans());
          measureDisk();
          diskTimer = vertx.setPeriodic(config.diskMetricsIntervalMs(), id -> measureDisk());
          tickTimer = vertx.setPeriodic(Math.max(1, Math.min(TICK_MS, config.batchMaxMs())), id -> maybeWrite());
          if (consumerProps == null) {
            return Future.succeededFuture();
          }
          consumer = KafkaConsumerLoop.<TraceMessage>builder(vertx, consumerProps, config.tracesTopic(), config.groupId())
              .name("storage")
              .pollTimeoutMs(config.pollTimeoutMs())
              .decodeOnWorker()
              .countUnreadable(metrics.invalidRecords)
              .countCommitFailures(metrics.commitFailures)
              .build(this::decode, new ConsumedTraces());
          return consumer.start();
        })
        .onSuccess(v -> {
          if (consumer == null) {
            LOG.info("storing assembled traces from this process's aggregator into {}; retention {}",
                config.sqlitePath(), describe(config.retention()));
            return;
          }
          LOG.info("storing {} into {} as group {}; retention {}", config.tracesTopic(), config.sqlitePath(),
              config.groupId(), describe(config.retention()));
        })
        // A failed start is not followed by stop(): release what was opened.
        .recover(e -> closeResources().transform(ignored -> Future.failedFuture(e)));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    if (diskTimer >= 0) {
      vertx.cancelTimer(diskTimer);
    }
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
    }
    if (retryingWriter == null) {
      return closeResources();
    }
    // A write that cannot land within the drain timeout is abandoned uncommitted: read again after restart.
    long drainTimer = vertx.setTimer(Math.max(1, config.drainTimeoutMs()), id -> retryingWriter.stop());
    // Each batch written commits its own offsets: the drain leaves nothing more for the final commit.
    Supplier<Future<Map<Integer, Long>>> drain = () -> decodeInFlight.otherwiseEmpty()
        .compose(v -> writeInFlight.otherwiseEmpty())
        .compose(v -> {
          if (!current.isEmpty()) {
            seal();
          }
          return drainReady();
        })
        .map(v -> Map.<Integer, Long>of());
    return (consumer == null ? drain.get().<Void>mapEmpty() : consumer.stop(drain))
        .eventually(() -> {
          vertx.cancelTimer(drainTimer);
          failUnwritten();
          return closeResources();
        });
  }

  /** Tells in-process callers whose traces were not written before stop (their records are read again). */
  private void failUnwritten() {
    IllegalStateException notWritten = new IllegalStateException("storage stopped before the trace was written");
    undecoded.forEach(h -> h.committed().tryFail(notWritten));
    undecoded.clear();
    ready.forEach(b -> b.completions().forEach(p -> p.tryFail(notWritten)));
    current.completions().forEach(p -> p.tryFail(notWritten));
  }

  /** Decodes the traces handed over so far on a worker, one chunk at a time, then batches them. */
  private void decodeHandedOver() {
    if (decoding || undecoded.isEmpty()) {
      return;
    }
    decoding = true;
    List<HandedOver> chunk = undecoded;
    undecoded = new ArrayList<>();
    decodeInFlight = vertx.executeBlocking(() -> {
      List<TraceMessage> messages = new ArrayList<>(chunk.size());
      for (HandedOver h : chunk) {
        TraceMessage message = null;
        try {
          message = recordReader.read(h.value(), h.normalized());
        } catch (InvalidTraceRecordException e) {
          metrics.invalidRecords.increment();
          h.committed().tryFail(e);
        }
        messages.add(message);
      }
      return messages;
    }).<Void>map(messages -> {
      long now = System.currentTimeMillis();
      for (int i = 0; i < messages.size(); i++) {
        if (messages.get(i) != null) {
          current.add(messages.get(i), chunk.get(i).committed(), now);
          if (current.isFull()) {
            seal();
          }
        }
      }
      updateQueueGauge();
      return null;
    }).onComplete(ar -> {
      decoding = false;
      if (ar.failed()) { // not a record problem (those fail their own promise): keep the chunk's callers told
        chunk.forEach(h -> h.committed().tryFail(ar.cause()));
      }
      if (!stopping) {
        maybeWrite();
        decodeHandedOver();
      }
    });
  }

  /** Writes the remaining ready batches one after another (stops early once the writer is stopped). */
  private Future<Void> drainReady() {
    if (ready.isEmpty()) {
      return Future.succeededFuture();
    }
    return writeBatch().transform(ar -> ar.succeeded() ? drainReady() : Future.succeededFuture());
  }

  private Future<Void> closeResources() {
    // A start that failed after subscribing: the loop was never stopped.
    Future<Void> consumerClosed = consumer == null ? Future.succeededFuture() : consumer.stop(Future::succeededFuture);
    Future<Void> db = consumerClosed.transform(ar -> writer == null ? Future.succeededFuture() : writer.close());
    if (database != null) {
      db = db.eventually(() -> database.close());
    }
    return db.eventually(() -> {
      if (metrics != null) {
        metrics.close();
      }
      return Future.succeededFuture();
    }).mapEmpty();
  }

  private StorageBatch newBatch() {
    return new StorageBatch(config.batchMaxSpans(), config.batchMaxMs());
  }

  /** The consumed side: polled batches join the current batch; full while too many spans wait for SQLite. */
  private final class ConsumedTraces implements KafkaConsumerLoop.Handler<TraceMessage> {
    @Override
    public void handle(List<KafkaConsumerLoop.Polled<TraceMessage>> records) {
      long now = System.currentTimeMillis();
      for (KafkaConsumerLoop.Polled<TraceMessage> r : records) {
        current.add(r.partition(), r.offset(), r.value(), now); // an unreadable record advances the offsets too
        if (current.isFull()) {
          seal(); // batches stay within batchMaxSpans (unless one record alone is larger)
        }
      }
      updateQueueGauge();
      maybeWrite();
    }

    @Override
    public boolean full() {
      return pendingSpans() >= config.maxPendingSpans();
    }
  }

  /** Queues the current batch for writing and starts a new one. */
  private void seal() {
    ready.addLast(current);
    readySpans += current.spans();
    current = newBatch();
  }

  /**
   * Starts the writer's next job if it is idle: a retention step when one is due (every check interval, and while
   * there is a backlog, alternating with batches so neither starves; only steps while the pages in use exceed
   * STORAGE_MAX_BYTES itself, so the file outgrows it by one batch at most), else the oldest ready batch.
   */
  private void maybeWrite() {
    long now = System.currentTimeMillis();
    if (current.isDue(now)) {
      seal();
    }
    if (writing) {
      return;
    }
    boolean retentionDue = retention != null
        && (retentionBacklog ? !lastWasRetention || ready.isEmpty() || overBound : now >= nextRetentionCheck);
    if (retentionDue) {
      writing = true;
      lastWasRetention = true;
      writeInFlight = retentionStep().onComplete(ar -> {
        writing = false;
        if (!stopping) {
          maybeWrite();
        }
      });
      return;
    }
    if (!ready.isEmpty()) {
      writeBatch();
    }
  }

  /** One retention step (then a vacuum step when free pages exceed the slack); never fails. */
  private Future<Void> retentionStep() {
    Timer.Sample sample = Timer.start();
    return writer.inTransaction(retention::step)
        .compose(step -> step.freeBytes() <= retention.config().freeSlackBytes() ? Future.succeededFuture(step)
            : writer.inTransaction(retention::vacuum).map(bytes -> {
              metrics.vacuumedBytes.increment(bytes);
              return step;
            }))
        .map(step -> {
          sample.stop(metrics.retentionStep);
          metrics.retentionDeletedTraces.increment(step.traces());
          metrics.retentionDeletedSpans.increment(step.spans());
          metrics.usedBytes.set(step.usedBytes());
          long now = System.currentTimeMillis();
          metrics.oldestTraceAgeSeconds.set(
              step.oldestWriteMillis() == null ? 0 : Math.max(0, (now - step.oldestWriteMillis()) / 1000));
          retentionBacklog = step.more();
          overBound = step.more() && retention.config().maxBytes() > 0 && step.usedBytes() > retention.config().maxBytes();
          nextRetentionCheck = now + retention.config().checkIntervalMs();
          if (step.traces() == 0 && step.overSize()) {
            long leftOut = retentionLog.tryAcquire();
            if (leftOut >= 0) {
              LOG.warn("{} holds {} bytes of pages, over STORAGE_MAX_BYTES={}, and has no trace left to delete{}",
                  config.sqlitePath(), step.usedBytes(), retention.config().maxBytes(), LogRateLimit.leftOut(leftOut));
            }
          }
          return (Void) null;
        })
        .recover(e -> {
          metrics.retentionFailures.increment();
          retentionBacklog = false;
          nextRetentionCheck = System.currentTimeMillis() + retention.config().checkIntervalMs();
          long leftOut = retentionLog.tryAcquire();
          if (leftOut >= 0) {
            LOG.warn("retention step on {} failed, trying again in {} ms: {}{}", config.sqlitePath(),
                retention.config().checkIntervalMs(), e.toString(), LogRateLimit.leftOut(leftOut));
          }
          return Future.succeededFuture();
        });
  }

  /** Worker: fails while the database path no longer names the file storage opened. */
  private Future<Void> checkFile() {
    return vertx.executeBlocking(() -> {
      fileIdentity.verify();
      return null;
    }, false);
  }

  private static String describe(RetentionConfig r) {
    if (!r.enabled()) {
      return "off (traces are kept whatever their age and size)";
    }
    String age = r.maxAgeMillis() > 0 ? r.maxAgeMillis() / 1000 + " s since the last write" : "no age bound";
    String size = r.maxBytes() > 0 ? ", at most " + r.maxBytes() + " bytes of pages" : ", no size bound";
    return age + size;
  }

  /** Writes the oldest ready batch (retrying until committed), then commits its offsets. */
  private Future<Void> writeBatch() {
    StorageBatch batch = ready.removeFirst();
    readySpans -= batch.spans();
    writing = true;
    lastWasRetention = false;
    writingSpans = batch.spans();
    updateQueueGauge();
    Timer.Sample sample = Timer.start();
    writeInFlight = retryingWriter.writeUntilCommitted(batch.messages())
        .compose(result -> {
          writeSucceeded();
          sample.stop(metrics.batchTime);
          metrics.batchSpans.record(result.spans());
          metrics.spansWritten.increment(result.spans());
          metrics.tracesWritten.increment(result.traces());
          return commit(batch.nextOffsets());
        })
        .onSuccess(v -> batch.completions().forEach(Promise::tryComplete))
        .onComplete(ar -> {
          writing = false;
          writingSpans = 0;
          updateQueueGauge();
          if (ar.failed()) {
            batch.completions().forEach(p -> p.tryFail(ar.cause()));
            LOG.warn("batch of {} spans not written before stop; its offsets stay uncommitted", batch.spans());
          } else if (!stopping) {
            maybeWrite();
          }
        });
    return writeInFlight;
  }

  /** The rows are in SQLite: commit past them (a lost commit means they are read and upserted again). */
  private Future<Void> commit(Map<Integer, Long> nextOffsets) {
    return consumer == null || nextOffsets.isEmpty() ? Future.succeededFuture() : consumer.commit(nextOffsets);
  }

  /** Worker thread: one consumed traces record (counted and logged by the loop when unreadable). */
  private TraceMessage decode(ConsumerRecord<byte[], byte[]> r) throws UnreadableRecordException {
    try {
      Header format = r.headers().lastHeader(SpanContract.FORMAT_HEADER);
      return recordReader.read(r.value(), SpanContract.isNormalized(format == null ? null : format.value()));
    } catch (InvalidTraceRecordException e) {
      throw new UnreadableRecordException(e.getMessage());
    }
  }

  private void onWriteFailure(int failures, long retryInMillis, Throwable cause) {
    metrics.writeFailures.increment();
    long now = System.currentTimeMillis();
    if (failures == 1) {
      failingSinceMillis = now;
    }
    if (failures >= 3 || now - failingSinceMillis >= 1000) {
      metrics.writerHealthy.set(0);
      writeProblem = "writing to " + config.sqlitePath() + " has failed " + failures + " times since "
          + java.time.Instant.ofEpochMilli(failingSinceMillis) + " (offsets stay uncommitted, retrying): "
          + cause.getMessage();
    }
    long leftOut = writeFailureLog.tryAcquire();
    if (leftOut >= 0) {
      LOG.warn("writing a batch to {} failed (attempt {}), retrying in {} ms; consumer paused once {} spans wait: {}{}",
          config.sqlitePath(), failures, retryInMillis, config.maxPendingSpans(), cause.toString(),
          LogRateLimit.leftOut(leftOut));
    }
  }

  private void writeSucceeded() {
    if (writeProblem != null) {
      LOG.info("writing to {} works again", config.sqlitePath());
    }
    writeProblem = null;
    metrics.writerHealthy.set(1);
  }

  /** Spans consumed (or handed over and decoded) and not yet committed to SQLite. */
  private int pendingSpans() {
    return writingSpans + readySpans + current.spans();
  }

  private void updateQueueGauge() {
    metrics.queueSpans.set(pendingSpans());
  }

  private void measureDisk() {
    vertx.executeBlocking(() -> {
      metrics.measureDisk(config.sqlitePath());
      return null;
    }, false);
  }

  private record HandedOver(byte[] value, boolean normalized, Promise<Void> committed) {}
}
