package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.kafka.KafkaConsumerLoop;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wiring: a {@link KafkaConsumerLoop} on swarm.spans feeds an {@link AggregatorFlow}, which assembles traces and
 * hands them to a {@link TraceSink} (the storage writer in the same process, or the traces topic); a periodic sweep
 * emits what is ready and commits, per partition, only offsets whose traces the sink has made durable
 * (at-least-once). While too many emitted traces (or their spans) await the sink, the loop pauses its partitions.
 * Everything runs on this verticle's event loop.
 */
public final class AggregatorVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorVerticle.class);

  private final AggregatorConfig settings;
  private final Map<String, String> consumerProps;
  private final Function<Vertx, TraceSink> sinkFactory;
  private final MeterRegistry registry;
  private final LongSupplier clock = System::currentTimeMillis;

  private AggregatorMetrics metrics;
  private AggregatorFlow flow;
  private KafkaConsumerLoop<AggregatorFlow.SpanRecord> consumer;
  private TraceSink sink;
  private final Intake intake;
  private long sweepTimer = -1;

  /**
   * @param config topics, group and limits
   * @param kafkaConsumerProps at least bootstrap.servers; the group and the consumer defaults are the loop's
   *     ({@link KafkaConsumerLoop#consumerProperties})
   * @param sinkFactory makes the sink on this verticle's event loop at start (closed at stop)
   * @param registry where the trace_aggregator_* meters go
   */
  public AggregatorVerticle(AggregatorConfig config, Map<String, String> kafkaConsumerProps,
      Function<Vertx, TraceSink> sinkFactory, MeterRegistry registry) {
    this(config, kafkaConsumerProps, sinkFactory, registry, Intake.UNLIMITED);
  }

  /** @param intake what, beside its own limits, may hold the aggregator back from reading */
  public AggregatorVerticle(AggregatorConfig config, Map<String, String> kafkaConsumerProps,
      Function<Vertx, TraceSink> sinkFactory, MeterRegistry registry, Intake intake) {
    this.intake = Objects.requireNonNull(intake, "intake");
    this.settings = Objects.requireNonNull(config, "config");
    this.consumerProps = Map.copyOf(kafkaConsumerProps);
    this.sinkFactory = Objects.requireNonNull(sinkFactory, "sinkFactory");
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  @Override
  public Future<?> start() {
    metrics = new AggregatorMetrics(registry, settings.assembler());
    sink = sinkFactory.apply(vertx);
    flow = new AggregatorFlow(settings, sink, metrics, clock, intake);
    consumer = KafkaConsumerLoop.<AggregatorFlow.SpanRecord>builder(vertx, consumerProps, settings.spansTopic(),
            settings.groupId())
        .name("aggregator")
        .clock(clock)
        .countUnreadable(metrics.invalidRecords())
        .countCommitFailures(metrics.commitFailures())
        .build(flow::decode, flow);
    return consumer.start().onSuccess(v -> {
      sweepTimer = vertx.setPeriodic(settings.sweepIntervalMs(), id -> {
        flow.sweep();
        consumer.commit(flow.positions());
      });
      LOG.info("aggregating {} -> {} as group {}", settings.spansTopic(), sink.describe(), settings.groupId());
    }).recover(e -> { // a failed start is not followed by stop(): release what was opened
      metrics.close();
      return sink.close().transform(ignored -> Future.failedFuture(e));
    });
  }

  /**
   * Stops without emitting buffered traces (their records were not committed, so they are read again): waits for
   * the traces handed to the sink up to the drain timeout, commits what is durable, then closes the clients.
   */
  @Override
  public Future<?> stop() {
    if (consumer == null || sink == null) {
      return Future.succeededFuture(); // start did not get far
    }
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    return consumer.stop(this::drain)
        .eventually(() -> sink.close())
        .onComplete(ar -> {
          metrics.close();
          LOG.info("aggregator stopped; {} traces still buffered were left to be read again", flow.bufferedTraces());
        });
  }

  /** Waits (at most the drain timeout) for the sink's answers; gives the positions that are durable then. */
  private Future<Map<Integer, Long>> drain() {
    Promise<Void> drained = Promise.promise();
    flow.stop().onComplete(ar -> drained.tryComplete());
    long drainTimer = vertx.setTimer(Math.max(1, settings.drainTimeoutMs()), id -> {
      if (drained.tryComplete()) {
        LOG.warn("stopping with {} sends unacknowledged after {} ms; their records will be read again",
            flow.sendsInFlight(), settings.drainTimeoutMs());
      }
    });
    return drained.future().map(v -> {
      vertx.cancelTimer(drainTimer);
      return flow.positions();
    });
  }
}
