package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop;
import dev.swarm.pipeline.kafka.UnreadableRecordException;
import dev.swarm.pipeline.schema.InvalidTraceRecordException;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.TraceRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes assembled traces, batches them ({@link StorageBatch}), writes each batch in one transaction of its backend
 * ({@link StorageBackend}: SQLite's {@link TraceWriter}, or PostgreSQL's; retried until committed) and only then
 * says they are durable. Traces come one of two ways (or none, for a storage that only serves reads,
 * {@link #readOnly}):
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
 * <p>Thin wiring: the logic lives in the plain classes it connects (batches and the writer's schedule in
 * {@link StorageWriteQueue}, the consumer in {@link KafkaConsumerLoop}). Record decoding runs on a worker thread;
 * SQL runs on the JDBC pools' workers.
 */
public final class StorageVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageVerticle.class);
  /** How often a batch that has waited STORAGE_BATCH_MAX_MS is looked for. */
  private static final long TICK_MS = 20;

  /** How traces reach this storage. */
  private enum Feed { CONSUMED, HANDED_OVER, NONE }

  private final StorageConfig config;
  private final StorageBackend.Opener opener;
  private final Feed feed;
  private final Map<String, String> consumerProps;
  private final MeterRegistry registry;

  private StorageMetrics metrics;
  private TraceRecord.Reader recordReader;
  private StorageBackend backend;
  private volatile StorageWriteQueue queue;
  private volatile TraceQueryService queryService;
  private KafkaConsumerLoop<TraceRecord> consumer;
  private long diskTimer = -1;
  private long tickTimer = -1;

  // Event-loop state.
  private boolean stopping;
  // Traces handed over in process, waiting to be decoded on a worker.
  private List<HandedOver> undecoded = new ArrayList<>();
  private Future<Void> decodeInFlight = Future.succeededFuture();
  private boolean decoding;

  /**
   * Storage in SQLite that consumes the traces topic.
   *
   * @param config topic, group, database and limits
   * @param kafkaConsumerProps at least bootstrap.servers; the group and the consumer defaults are the loop's
   *     ({@link KafkaConsumerLoop#consumerProperties})
   * @param registry where the trace_storage_* meters go
   */
  public StorageVerticle(StorageConfig config, Map<String, String> kafkaConsumerProps, MeterRegistry registry) {
    this(config, SqliteBackend::open, Feed.CONSUMED, Map.copyOf(kafkaConsumerProps), registry);
  }

  /**
   * Storage in SQLite fed only through {@link #store} by an aggregator in the same process: no Kafka consumer (the
   * topic and group settings of {@code config} are not used).
   */
  public StorageVerticle(StorageConfig config, MeterRegistry registry) {
    this(config, SqliteBackend::open, Feed.HANDED_OVER, null, registry);
  }

  private StorageVerticle(StorageConfig config, StorageBackend.Opener opener, Feed feed,
      Map<String, String> consumerProps, MeterRegistry registry) {
    this.config = Objects.requireNonNull(config, "config");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.feed = feed;
    this.consumerProps = consumerProps;
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Storage on {@code backend} that consumes the traces topic (the split deployment's storage role on SQLite). */
  public static StorageVerticle consuming(StorageConfig config, StorageBackend.Opener backend,
      Map<String, String> kafkaConsumerProps, MeterRegistry registry) {
    return new StorageVerticle(config, backend, Feed.CONSUMED, Map.copyOf(kafkaConsumerProps), registry);
  }

  /**
   * Storage on {@code backend} fed only through {@link #store} by an aggregator in the same process (ROLE=all, and
   * an aggregator writing to PostgreSQL).
   */
  public static StorageVerticle handedOver(StorageConfig config, StorageBackend.Opener backend, MeterRegistry registry) {
    return new StorageVerticle(config, backend, Feed.HANDED_OVER, null, registry);
  }

  /**
   * Storage that only reads {@code backend} for the query API: no writer, no retention, no consumer (a storage role
   * on PostgreSQL, where the aggregators write).
   */
  public static StorageVerticle readOnly(StorageConfig config, StorageBackend.Opener backend, MeterRegistry registry) {
    return new StorageVerticle(config, backend, Feed.NONE, null, registry);
  }

  /**
   * Stores one swarm.traces record value (read as {@link TraceRecord.Reader} reads the topic's records). Callable
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
      if (queue == null) {
        committed.fail(new IllegalStateException("this storage only reads: it has no writer"));
        return;
      }
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
    StorageWriteQueue q = queue;
    return q == null ? null : q.problem();
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
    recordReader = new TraceRecord.Reader(new SpanDecoder(config.spanLimits()));
    return opener.open(vertx, config, feed != Feed.NONE)
        .compose(opened -> {
          backend = opened;
          RetentionConfig keep = config.retention();
          metrics.retentionSeconds.set(keep.maxAgeMillis() / 1000);
          metrics.maxBytes.set(keep.maxBytes());
          if (feed != Feed.NONE) {
            queue = new StorageWriteQueue(vertx, config, backend.writer(), backend.retention(), backend.describe(),
                metrics, this::commit, System::currentTimeMillis);
            tickTimer = vertx.setPeriodic(Math.max(1, Math.min(TICK_MS, config.batchMaxMs())), id -> queue.tick());
          }
          queryService = backend.queryService();
          measureDisk();
          diskTimer = vertx.setPeriodic(config.diskMetricsIntervalMs(), id -> measureDisk());
          if (feed != Feed.CONSUMED) {
            return Future.succeededFuture();
          }
          consumer = KafkaConsumerLoop.<TraceRecord>builder(vertx, consumerProps, config.tracesTopic(), config.groupId())
              .name("storage")
              .pollTimeoutMs(config.pollTimeoutMs())
              .decodeOnWorker()
              .countUnreadable(metrics.invalidRecords)
              .countCommitFailures(metrics.commitFailures)
              .build(this::decode, new ConsumedTraces());
          return consumer.start();
        })
        .onSuccess(v -> {
          switch (feed) {
            case CONSUMED -> LOG.info("storing {} into {} as group {}; retention {}", config.tracesTopic(),
                backend.describe(), config.groupId(), describe(config.retention()));
            case HANDED_OVER -> LOG.info("storing assembled traces from this process's aggregator into {}; retention {}",
                backend.describe(), describe(config.retention()));
            case NONE -> LOG.info("serving reads of {}; this process writes nothing to it", backend.describe());
          }
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
    if (queue == null) {
      return closeResources();
    }
    // A write that cannot land within the drain timeout is abandoned uncommitted: read again after restart.
    long drainTimer = vertx.setTimer(Math.max(1, config.drainTimeoutMs()), id -> queue.abandon());
    // Each batch written commits its own offsets: the drain leaves nothing more for the final commit.
    Supplier<Future<Map<Integer, Long>>> drain = () -> decodeInFlight.otherwiseEmpty()
        .compose(v -> queue.drain())
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
    queue.failUnwritten(notWritten);
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
      List<TraceRecord> messages = new ArrayList<>(chunk.size());
      for (HandedOver h : chunk) {
        TraceRecord message = null;
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
      for (int i = 0; i < messages.size(); i++) {
        if (messages.get(i) != null) {
          queue.add(messages.get(i), chunk.get(i).committed());
        }
      }
      return null;
    }).onComplete(ar -> {
      decoding = false;
      if (ar.failed()) { // not a record problem (those fail their own promise): keep the chunk's callers told
        chunk.forEach(h -> h.committed().tryFail(ar.cause()));
      }
      if (!stopping) {
        queue.tick();
        decodeHandedOver();
      }
    });
  }

  private Future<Void> closeResources() {
    // A start that failed after subscribing: the loop was never stopped.
    Future<Void> consumerClosed = consumer == null ? Future.succeededFuture() : consumer.stop(Future::succeededFuture);
    Future<Void> db = consumerClosed.transform(ar -> backend == null ? Future.succeededFuture() : backend.close());
    return db.eventually(() -> {
      if (metrics != null) {
        metrics.close();
      }
      return Future.succeededFuture();
    }).mapEmpty();
  }

  /** The consumed side: polled batches join the current batch; full while too many spans wait for SQLite. */
  private final class ConsumedTraces implements KafkaConsumerLoop.Handler<TraceRecord> {
    @Override
    public void handle(List<KafkaConsumerLoop.Polled<TraceRecord>> records) {
      for (KafkaConsumerLoop.Polled<TraceRecord> r : records) {
        queue.add(r.partition(), r.offset(), r.value()); // an unreadable record advances the offsets too
      }
      queue.tick();
    }

    @Override
    public boolean full() {
      return queue.full();
    }
  }

  private static String describe(RetentionConfig r) {
    if (!r.enabled()) {
      return "off (traces are kept whatever their age and size)";
    }
    String age = r.maxAgeMillis() > 0 ? r.maxAgeMillis() / 1000 + " s since the last write" : "no age bound";
    String size = r.maxBytes() > 0 ? ", at most " + r.maxBytes() + " bytes of pages" : ", no size bound";
    return age + size;
  }

  /** The rows are in SQLite: commit past them (a lost commit means they are read and upserted again). */
  private Future<Void> commit(Map<Integer, Long> nextOffsets) {
    return consumer == null ? Future.succeededFuture() : consumer.commit(nextOffsets);
  }

  /** Worker thread: one consumed traces record (counted and logged by the loop when unreadable). */
  private TraceRecord decode(ConsumerRecord<byte[], byte[]> r) throws UnreadableRecordException {
    try {
      Header format = r.headers().lastHeader(SpanContract.FORMAT_HEADER);
      return recordReader.read(r.value(), SpanContract.isNormalized(format == null ? null : format.value()));
    } catch (InvalidTraceRecordException e) {
      throw new UnreadableRecordException(e.getMessage());
    }
  }

  private void measureDisk() {
    StorageBackend opened = backend;
    vertx.executeBlocking(opened::measureDisk, false).onSuccess(use -> metrics.measured(use));
  }

  private record HandedOver(byte[] value, boolean normalized, Promise<Void> committed) {}
}
