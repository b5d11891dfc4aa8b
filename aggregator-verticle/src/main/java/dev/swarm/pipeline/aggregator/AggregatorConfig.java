package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.config.EnvReader;
import dev.swarm.pipeline.schema.SpanLimits;
import java.util.Objects;

/**
 * Settings of the aggregator verticle.
 *
 * @param spansTopic topic read (SPANS_TOPIC, default swarm.spans)
 * @param tracesTopic topic written by {@link KafkaTraceSink} (TRACES_TOPIC, default swarm.traces)
 * @param groupId consumer group (AGGREGATOR_GROUP_ID, default trace-aggregator)
 * @param assembler assembly limits and timings
 * @param sweepIntervalMs how often ready traces are looked for and offsets committed (AGGREGATOR_SWEEP_MS)
 * @param maxInFlightTraces emitted traces the sink has not yet made durable above which polling pauses
 *     (AGGREGATOR_MAX_INFLIGHT_TRACES); the sink's {@link TraceSink#maxPendingSpans()} bounds their spans too
 * @param drainTimeoutMs on stop, how long to wait for in-flight sends before committing and closing
 *     (AGGREGATOR_DRAIN_TIMEOUT_MS)
 * @param spanLimits validation limits for records that arrive without the pipeline's normalised-format header
 *     (written by another producer); the aggregator validates and normalises those itself
 */
public record AggregatorConfig(
    String spansTopic,
    String tracesTopic,
    String groupId,
    AssemblerConfig assembler,
    long sweepIntervalMs,
    int maxInFlightTraces,
    long drainTimeoutMs,
    SpanLimits spanLimits) {

  public static final String DEFAULT_SPANS_TOPIC = dev.swarm.pipeline.schema.Topics.DEFAULT_SPANS;
  public static final String DEFAULT_TRACES_TOPIC = dev.swarm.pipeline.schema.Topics.DEFAULT_TRACES;
  public static final String DEFAULT_GROUP_ID = "trace-aggregator";
  public static final long DEFAULT_SWEEP_INTERVAL_MS = 100;
  public static final int DEFAULT_MAX_INFLIGHT_TRACES = 1_000;
  public static final long DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

  public AggregatorConfig {
    Objects.requireNonNull(spansTopic, "spansTopic");
    Objects.requireNonNull(tracesTopic, "tracesTopic");
    Objects.requireNonNull(groupId, "groupId");
    Objects.requireNonNull(assembler, "assembler");
    Objects.requireNonNull(spanLimits, "spanLimits");
    if (sweepIntervalMs < 1) {
      throw new IllegalArgumentException("sweepIntervalMs must be >= 1: " + sweepIntervalMs);
    }
    if (maxInFlightTraces < 1) {
      throw new IllegalArgumentException("maxInFlightTraces must be >= 1: " + maxInFlightTraces);
    }
    if (drainTimeoutMs < 0) {
      throw new IllegalArgumentException("drainTimeoutMs must be >= 0: " + drainTimeoutMs);
    }
  }

  /** The settings named in the contract; the drain timeout takes its default. */
  public AggregatorConfig(String spansTopic, String tracesTopic, String groupId, AssemblerConfig assembler,
      long sweepIntervalMs, int maxInFlightTraces) {
    this(spansTopic, tracesTopic, groupId, assembler, sweepIntervalMs, maxInFlightTraces, DEFAULT_DRAIN_TIMEOUT_MS,
        SpanLimits.DEFAULTS);
  }

  public static AggregatorConfig defaults() {
    return new AggregatorConfig(DEFAULT_SPANS_TOPIC, DEFAULT_TRACES_TOPIC, DEFAULT_GROUP_ID,
        AssemblerConfig.defaults(), DEFAULT_SWEEP_INTERVAL_MS, DEFAULT_MAX_INFLIGHT_TRACES, DEFAULT_DRAIN_TIMEOUT_MS,
        SpanLimits.DEFAULTS);
  }

  /** The aggregator's settings from the environment, bounded; problems go to {@code r}. */
  public static AggregatorConfig fromEnv(EnvReader r, String spansTopic, String tracesTopic, SpanLimits limits,
      long maxRecordBytes) {
    return new AggregatorConfig(
        spansTopic,
        tracesTopic,
        r.string("AGGREGATOR_GROUP_ID", DEFAULT_GROUP_ID),
        AssemblerConfig.fromEnv(r, maxRecordBytes),
        r.longValue("AGGREGATOR_SWEEP_MS", DEFAULT_SWEEP_INTERVAL_MS, 1, 60_000),
        r.integer("AGGREGATOR_MAX_INFLIGHT_TRACES", DEFAULT_MAX_INFLIGHT_TRACES, 1, 10_000_000),
        r.longValue("AGGREGATOR_DRAIN_TIMEOUT_MS", DEFAULT_DRAIN_TIMEOUT_MS, 0, 600_000),
        limits);
  }
}
