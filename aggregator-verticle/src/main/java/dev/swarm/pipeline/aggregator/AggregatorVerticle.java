package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.TraceVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects {@link TraceAssembler} to Kafka: polls swarm.spans, hands assembled traces to a {@link TraceSink} (the
 * storage writer in the same process, or the traces topic) and commits, per partition, only offsets whose traces
 * the sink has made durable (at-least-once).
 *
 * <p>Everything runs on this verticle's event loop; the Kafka clients do their blocking work on their own threads.
 * Backpressure comes from the poll loop: the next poll is issued only after a batch was handled, and not at all while
 * too many emitted traces (or their spans) await the sink. The buffer itself is bounded by the assembler's eviction.
 */
public final class AggregatorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorVerticle.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final long RETRY_DELAY_MS = 1_000;
  private static final int INVALID_LOGS_PER_SECOND = 10;

  private final AggregatorConfig settings;
  private final Map<String, String> consumerProps;
  private final Function<Vertx, TraceSink> sinkFactory;
  private final MeterRegistry registry;
  private final SpanDecoder foreignDecoder;

  private TraceAssembler assembler;
  private KafkaConsumer<byte[], byte[]> consumer;
  private TraceSink sink;
  private long sweepTimer = -1;

  private boolean stopping;
  private boolean polling;
  private boolean pollPaused;
  private int sendsInFlight;
  private long spansInFlight;
  private Promise<Void> drained;
  private boolean commitInFlight;
  private final Map<Integer, Long> committed = new HashMap<>();

  private final Map<TraceVerdict, Counter> emitted = new EnumMap<>(TraceVerdict.class);
  private Timer assemblyTime;
  private Counter duplicateSpans;
  private Counter invalidRecords;
  private Counter droppedTraces;
  private final List<Meter> gauges = new ArrayList<>();
  private long duplicatesReported;
  private long invalidLogWindowStart;
  private int invalidLogsInWindow;

  // Read by the metrics scrape on another thread; written on the event loop.
  private volatile long bufferedTraces;
  private volatile long bufferedSpans;
  private volatile long bufferedBytes;
  private volatile long inflightTraces;

  /**
   * @param config topics, group and limits
   * @param kafkaConsumerProps at least bootstrap.servers; group, commit mode and deserializers are set here
   * @param sinkFactory makes the sink on this verticle's event loop at start (closed at stop)
   * @param registry where the trace_aggregator_* meters go
   */
  public AggregatorVerticle(AggregatorConfig config, Map<String, String> kafkaConsumerProps,
      Function<Vertx, TraceSink> sinkFactory, MeterRegistry registry) {
    this.settings = Objects.requireNonNull(config, "config");
    this.consumerProps = Map.copyOf(kafkaConsumerProps);
    this.sinkFactory = Objects.requireNonNull(sinkFactory, "sinkFactory");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.foreignDecoder = new SpanDecoder(settings.spanLimits());
  }

  @Override
  public Future<?> start() {
    assembler = new TraceAssembler(settings.assembler());
    registerMeters();

    Map<String, String> consumerConfig = new HashMap<>(consumerProps);
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumerConfig.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Fewer, fuller fetches: with the default (1 byte) every poll under load fetches a sliver, and the
    // broker spends more CPU per span on fetch requests than on the data. Adds at most 50 ms when idle.
    consumerConfig.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(256 * 1024));
    consumerConfig.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    // A crashed member holds its partitions until its session times out: 10 s, not Kafka's 45 s, before the
    // restarted process (or another member) takes them over.
    consumerConfig.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
    consumerConfig.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    consumer = KafkaConsumer.create(vertx, consumerConfig, byte[].class, byte[].class);
    consumer.partitionsRevokedHandler(this::onPartitionsRevoked);
    consumer.partitionsAssignedHandler(partitions -> LOG.info("assigned {}", describe(partitions)));
    consumer.exceptionHandler(e -> LOG.warn("kafka consumer error", e));

    sink = sinkFactory.apply(vertx);

    return consumer.subscribe(settings.spansTopic()).onSuccess(v -> {
      sweepTimer = vertx.setPeriodic(settings.sweepIntervalMs(), id -> sweep());
      poll();
      LOG.info("aggregating {} -> {} as group {}", settings.spansTopic(), sink.describe(), settings.groupId());
    });
  }

  /**
   * Stops without emitting buffered traces (their records were not committed, so they are read again): waits for
   * in-flight sends up to the drain timeout, commits what was acknowledged, then closes the clients.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    if (consumer == null || sink == null) {
      return Future.succeededFuture(); // start did not get far
    }
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    drained = Promise.promise();
    if (sendsInFlight == 0) {
      drained.tryComplete();
    }
    long drainTimer = vertx.setTimer(Math.max(1, settings.drainTimeoutMs()), id -> {
      if (drained.tryComplete()) {
        LOG.warn("stopping with {} sends unacknowledged after {} ms; their records will be read again",
            sendsInFlight, settings.drainTimeoutMs());
      }
    });
    return drained.future()
        .compose(v -> {
          vertx.cancelTimer(drainTimer);
          return commitPositions(true).otherwiseEmpty();
        })
        .eventually(() -> consumer.close())
        .eventually(() -> sink.close())
        .onComplete(ar -> {
          gauges.forEach(registry::remove);
          LOG.info("aggregator stopped; {} traces still buffered were left to be read again",
              assembler.bufferedTraces());
        });
  }

  // --- consuming --------------------------------------------------------------------------------------------------

  private void poll() {
    if (stopping || polling) {
      return;
    }
    if (sinkFull()) {
      pollPaused = true; // resumed by acknowledgements
      return;
    }
    polling = true;
    consumer.poll(POLL_TIMEOUT).onComplete(ar -> {
      polling = false;
      if (stopping) {
        return; // not added, not committed: read again after restart
      }
      if (ar.succeeded()) {
        handle(ar.result());
        poll();
      } else {
        LOG.warn("poll failed; retrying in {} ms", RETRY_DELAY_MS, ar.cause());
        vertx.setTimer(RETRY_DELAY_MS, id -> poll());
      }
    });
  }

  private void handle(KafkaConsumerRecords<byte[], byte[]> records) {
    if (records.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<byte[], byte[]> record = records.recordAt(i);
      String traceId = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
      if (traceId == null || traceId.isEmpty() || record.value() == null) {
        invalid(record, traceId, "missing key or value");
        continue;
      }
      List<BufferedSpan> spans;
      try {
        Header format = record.record().headers().lastHeader(SpanContract.FORMAT_HEADER);
        spans = SpanContract.isNormalized(format == null ? null : format.value())
            ? SpanRecordReader.read(record.value())
            : SpanRecordReader.readForeign(record.value(), foreignDecoder);
      } catch (InvalidSpanException e) {
        invalid(record, traceId, e.getMessage());
        continue;
      }
      publish(assembler.add(traceId, spans, record.partition(), record.offset(), now));
    }
    updateGauges();
  }

  private void invalid(KafkaConsumerRecord<byte[], byte[]> record, String traceId, String reason) {
    assembler.skipRecord(record.partition(), record.offset());
    invalidRecords.increment();
    long now = System.currentTimeMillis();
    if (now - invalidLogWindowStart >= 1_000) {
      invalidLogWindowStart = now;
      invalidLogsInWindow = 0;
    }
    if (invalidLogsInWindow++ < INVALID_LOGS_PER_SECOND) { // a flood of bad records must not flood the log
      // trace_id as a key-value too, so the JSON log line carries it as a field (log-event.json).
      LOG.atWarn().addKeyValue("trace_id", traceId)
          .log("skipping invalid {} record trace_id={} partition={} offset={} invalid_records_total={}: {}",
              settings.spansTopic(), traceId, record.partition(), record.offset(), (long) invalidRecords.count(),
              reason);
    }
  }

  private void onPartitionsRevoked(Set<TopicPartition> partitions) {
    List<Integer> revoked = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      if (tp.getTopic().equals(settings.spansTopic())) {
        revoked.add(tp.getPartition());
      }
    }
    int before = assembler.bufferedTraces();
    assembler.forgetPartitions(revoked);
    revoked.forEach(committed::remove);
    LOG.info("revoked {}; dropped {} buffered traces for the new owner to rebuild", describe(partitions),
        before - assembler.bufferedTraces());
    updateGauges();
  }

  // --- emitting ---------------------------------------------------------------------------------------------------

  private void sweep() {
    if (stopping) {
      return;
    }
    publish(assembler.sweep(System.currentTimeMillis()));
    commitPositions(false);
    updateGauges();
  }

  private void publish(List<AssembledTrace> traces) {
    for (AssembledTrace trace : traces) {
      send(trace);
    }
  }

  private void send(AssembledTrace trace) {
    sendsInFlight++;
    int spans = trace.spans().size();
    spansInFlight += spans;
    sink.store(trace).onComplete(ar -> {
      sendsInFlight--;
      spansInFlight -= spans;
      if (ar.succeeded()) {
        acknowledged(trace);
      } else if (ar.cause() instanceof UnstorableTraceException) {
        // Retrying cannot succeed and would hold the partition's commits back forever.
        LOG.atError().addKeyValue("trace_id", trace.traceId())
            .log("dropping trace_id={} verdict={} spans={}: {}", trace.traceId(), trace.verdict().wire(),
                trace.spanCount(), ar.cause().getMessage());
        droppedTraces.increment();
        assembler.acknowledge(trace);
      } else {
        LOG.atWarn().addKeyValue("trace_id", trace.traceId())
            .log("trace_id={} not stored before stop ({}); its records will be read again", trace.traceId(),
                ar.cause().toString());
      }
      afterSendCompleted();
    });
  }

  /** True while the sink holds as many traces, or spans, as it may. */
  private boolean sinkFull() {
    return assembler.unacknowledgedTraces() >= settings.maxInFlightTraces() || spansInFlight >= sink.maxPendingSpans();
  }

  private void acknowledged(AssembledTrace trace) {
    assembler.acknowledge(trace);
    emitted.get(trace.verdict()).increment();
    assemblyTime.record(Math.max(0, trace.assemblyMillis()), TimeUnit.MILLISECONDS);
  }

  private void afterSendCompleted() {
    inflightTraces = assembler.unacknowledgedTraces();
    if (stopping) {
      if (sendsInFlight == 0 && drained != null) {
        drained.tryComplete();
      }
      return;
    }
    if (pollPaused && !sinkFull()) {
      pollPaused = false;
      poll();
    }
  }

  // --- committing -------------------------------------------------------------------------------------------------

  /** Commits each partition's position when it moved; {@code force} also when a commit is already under way. */
  private Future<Void> commitPositions(boolean force) {
    if (commitInFlight && !force) {
      return Future.succeededFuture();
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (int partition : assembler.partitions()) {
      long position = assembler.commitPosition(partition);
      if (position >= 0 && !Long.valueOf(position).equals(committed.get(partition))) {
        offsets.put(new TopicPartition(settings.spansTopic(), partition), new OffsetAndMetadata(position, ""));
      }
    }
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    commitInFlight = true;
    return consumer.commit(offsets)
        .onComplete(ar -> {
          commitInFlight = false;
          if (ar.succeeded()) {
            offsets.forEach((tp, om) -> {
              if (assembler.partitions().contains(tp.getPartition())) { // not revoked meanwhile
                committed.put(tp.getPartition(), om.getOffset());
              }
            });
          } else {
            LOG.warn("offset commit failed; will retry on the next sweep", ar.cause());
          }
        })
        .mapEmpty();
  }

  // --- metrics ----------------------------------------------------------------------------------------------------

  private void registerMeters() {
    for (TraceVerdict verdict : TraceVerdict.values()) {
      emitted.put(verdict, Counter.builder("trace.aggregator.traces.emitted")
          .description("Assembled traces made durable by the trace sink (storage, or the traces topic)")
          .tag("verdict", verdict.wire())
          .register(registry));
    }
    assemblyTime = Timer.builder("trace.aggregator.assembly")
        .description("From a trace's first span arriving to its emission")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMillis(Math.max(1_000, 2 * settings.assembler().maxWaitMs())))
        .register(registry);
    duplicateSpans = Counter.builder("trace.aggregator.duplicate.spans")
        .description("Spans whose id was already buffered in their trace (the later copy is kept)")
        .register(registry);
    invalidRecords = Counter.builder("trace.aggregator.invalid.records")
        .description("Spans-topic records skipped because they could not be read")
        .register(registry);
    droppedTraces = Counter.builder("trace.aggregator.dropped.traces")
        .description("Assembled traces the sink refused for good (e.g. too large for the traces topic)")
        .register(registry);
    gauges.add(Gauge.builder("trace.aggregator.buffered.traces", this, v -> v.bufferedTraces)
        .description("Traces being assembled").register(registry));
    gauges.add(Gauge.builder("trace.aggregator.buffered.spans", this, v -> v.bufferedSpans)
        .description("Spans held in traces being assembled").register(registry));
    gauges.add(Gauge.builder("trace.aggregator.max.buffered.spans", this, v -> v.settings.assembler().maxBufferedSpans())
        .description("AGGREGATOR_MAX_BUFFERED_SPANS: past it the oldest traces are evicted").register(registry));
    gauges.add(Gauge.builder("trace.aggregator.buffered.bytes", this, v -> v.bufferedBytes)
        .description("JSON bytes of the buffered spans").register(registry));
    gauges.add(Gauge.builder("trace.aggregator.inflight.traces", this, v -> v.inflightTraces)
        .description("Emitted traces the sink has not yet made durable").register(registry));
  }

  private void updateGauges() {
    bufferedTraces = assembler.bufferedTraces();
    bufferedSpans = assembler.bufferedSpans();
    bufferedBytes = assembler.bufferedBytes();
    inflightTraces = assembler.unacknowledgedTraces();
    long duplicates = assembler.duplicateSpansTotal();
    if (duplicates > duplicatesReported) {
      duplicateSpans.increment(duplicates - duplicatesReported);
      duplicatesReported = duplicates;
    }
  }

  private static String describe(Set<TopicPartition> partitions) {
    List<String> names = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      names.add(tp.getTopic() + "-" + tp.getPartition());
    }
    names.sort(null);
    return names.toString();
  }
}
