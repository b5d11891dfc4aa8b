package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop;
import dev.swarm.pipeline.kafka.UnreadableRecordException;
import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregator between its consumer loop and its trace sink: reads span records into the {@link TraceAssembler},
 * hands the traces it emits to the {@link TraceSink}, says when the sink holds as much as it may (the loop then
 * pauses), and gives the offsets that are safe to commit. Plain state on one thread (the verticle's event loop), time
 * from the clock passed in; no Kafka client of its own.
 */
final class AggregatorFlow implements KafkaConsumerLoop.Handler<AggregatorFlow.SpanRecord> {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorFlow.class);

  /** One readable spans-topic record: its trace id (the key) and its spans. */
  record SpanRecord(String traceId, List<BufferedSpan> spans) {}

  private final AggregatorConfig settings;
  private final TraceAssembler assembler;
  private final TraceSink sink;
  private final AggregatorMetrics metrics;
  private final LongSupplier clock;
  private final SpanDecoder unnormalizedDecoder;
  private final Intake intake;

  private int sendsInFlight;
  private long spansInFlight;
  private boolean stopping;
  private Promise<Void> idle;

  AggregatorFlow(AggregatorConfig settings, TraceSink sink, AggregatorMetrics metrics, LongSupplier clock) {
    this(settings, sink, metrics, clock, Intake.UNLIMITED);
  }

  AggregatorFlow(AggregatorConfig settings, TraceSink sink, AggregatorMetrics metrics, LongSupplier clock,
      Intake intake) {
    this.intake = Objects.requireNonNull(intake, "intake");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.assembler = new TraceAssembler(settings.assembler());
    this.sink = Objects.requireNonNull(sink, "sink");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.unnormalizedDecoder = new SpanDecoder(settings.spanLimits());
  }

  /**
   * Reads one record (key = trace id, value = a JSON array of spans). Records with the normalised-format header
   * are scanned; others are validated in full with the contract's limits.
   */
  SpanRecord decode(ConsumerRecord<byte[], byte[]> record) throws UnreadableRecordException {
    String traceId = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (traceId == null || traceId.isEmpty() || record.value() == null) {
      throw new UnreadableRecordException("missing key or value");
    }
    try {
      Header format = record.headers().lastHeader(SpanContract.FORMAT_HEADER);
      return new SpanRecord(traceId, SpanContract.isNormalized(format == null ? null : format.value())
          ? SpanRecordReader.read(record.value(), lastHeaderValue(record, SpanContract.SPAN_LENGTHS_HEADER))
          : SpanRecordReader.readUnnormalized(record.value(), unnormalizedDecoder));
    } catch (InvalidSpanException e) {
      throw new UnreadableRecordException(e.getMessage());
    }
  }

  @Override
  public void handle(List<KafkaConsumerLoop.Polled<SpanRecord>> records) {
    long now = clock.getAsLong();
    for (KafkaConsumerLoop.Polled<SpanRecord> r : records) {
      if (r.readable()) {
        intake.took(r.value().spans().size());
        publish(assembler.add(r.value().traceId(), r.value().spans(), r.partition(), r.offset(), now));
      } else {
        assembler.skipRecord(r.partition(), r.offset()); // counted and logged by the loop
      }
    }
    metrics.update(assembler);
  }

  /** True while the sink holds as many traces, or spans, as it may, or while the intake holds assembly back. */
  @Override
  public boolean full() {
    return assembler.unacknowledgedTraces() >= settings.maxInFlightTraces() || spansInFlight >= sink.maxPendingSpans()
        || intake.holdBack();
  }

  /** A revoked partition's buffered traces are dropped unemitted: the new owner reads them again. */
  @Override
  public void revoked(Set<Integer> partitions) {
    int before = assembler.bufferedTraces();
    assembler.forgetPartitions(partitions);
    LOG.info("dropped {} buffered traces of revoked partitions {} for the new owner to rebuild",
        before - assembler.bufferedTraces(), partitions);
    metrics.update(assembler);
  }

  /** Emits what is ready (idle complete traces, waits over, late updates); nothing once stopping. */
  void sweep() {
    if (stopping) {
      return;
    }
    publish(assembler.sweep(clock.getAsLong()));
    metrics.update(assembler);
  }

  /** Partition → the offset after the records whose traces the sink has made durable. */
  Map<Integer, Long> positions() {
    Map<Integer, Long> positions = new HashMap<>();
    for (int partition : assembler.partitions()) {
      long position = assembler.commitPosition(partition);
      if (position >= 0) {
        positions.put(partition, position);
      }
    }
    return positions;
  }

  /**
   * Stops emitting (buffered traces stay unemitted: their records are read again) and completes once every trace
   * handed to the sink has been answered.
   */
  Future<Void> stop() {
    stopping = true;
    idle = Promise.promise();
    if (sendsInFlight == 0) {
      idle.complete();
    }
    return idle.future();
  }

  int sendsInFlight() {
    return sendsInFlight;
  }

  int bufferedTraces() {
    return assembler.bufferedTraces();
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
        assembler.acknowledge(trace);
        metrics.emitted(trace);
      } else if (ar.cause() instanceof UnstorableTraceException) {
        // Retrying cannot succeed and would hold the partition's commits back forever.
        LOG.atError().addKeyValue("trace_id", trace.traceId())
            .log("dropping trace_id={} verdict={} spans={}: {}", trace.traceId(), trace.verdict().wire(),
                trace.spanCount(), ar.cause().getMessage());
        metrics.dropped();
        assembler.acknowledge(trace);
      } else {
        LOG.atWarn().addKeyValue("trace_id", trace.traceId())
            .log("trace_id={} not stored before stop ({}); its records will be read again", trace.traceId(),
                ar.cause().toString());
      }
      metrics.update(assembler);
      if (stopping && sendsInFlight == 0 && idle != null) {
        idle.tryComplete();
      }
    });
  }

  private static byte[] lastHeaderValue(ConsumerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : h.value();
  }
}
