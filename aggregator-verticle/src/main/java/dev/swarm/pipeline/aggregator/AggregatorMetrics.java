package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.TraceVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The trace_aggregator_* meters (dotted Micrometer names; the Prometheus registry turns dots into underscores and
 * adds {@code _total} to counters, {@code _seconds} to the timer). Gauges read values that {@link #update} copies
 * from the assembler on the event loop, so a scrape never touches the assembler.
 */
final class AggregatorMetrics {

  private final MeterRegistry registry;
  private final Map<TraceVerdict, Counter> emitted = new EnumMap<>(TraceVerdict.class);
  private final Timer assemblyTime;
  private final Counter duplicateSpans;
  private final Counter invalidRecords;
  private final Counter droppedTraces;
  private final Counter commitFailures;
  private final List<Meter> gauges = new ArrayList<>();
  private long duplicatesReported;

  // Read by the metrics scrape on another thread; written on the event loop.
  private volatile long bufferedTraces;
  private volatile long bufferedSpans;
  private volatile long bufferedBytes;
  private volatile long inflightTraces;

  AggregatorMetrics(MeterRegistry registry, AssemblerConfig assembler) {
    this.registry = registry;
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
        .maximumExpectedValue(Duration.ofMillis(Math.max(1_000, 2 * assembler.maxWaitMs())))
        .register(registry);
    duplicateSpans = counter("trace.aggregator.duplicate.spans",
        "Spans whose id was already buffered in their trace (the later copy is kept)");
    invalidRecords = counter("trace.aggregator.invalid.records",
        "Spans-topic records skipped because they could not be read");
    droppedTraces = counter("trace.aggregator.dropped.traces",
        "Assembled traces the sink refused for good (e.g. too large for the traces topic)");
    commitFailures = counter("trace.aggregator.offset.commit.failures",
        "Failed Kafka offset commits of the spans consumer (tried again with the next sweep)");
    gauge("trace.aggregator.buffered.traces", "Traces being assembled", m -> m.bufferedTraces);
    gauge("trace.aggregator.buffered.spans", "Spans held in traces being assembled", m -> m.bufferedSpans);
    long maxBufferedSpans = assembler.maxBufferedSpans();
    gauge("trace.aggregator.max.buffered.spans", "AGGREGATOR_MAX_BUFFERED_SPANS: past it the oldest traces are evicted",
        m -> maxBufferedSpans);
    gauge("trace.aggregator.buffered.bytes", "JSON bytes of the buffered spans", m -> m.bufferedBytes);
    gauge("trace.aggregator.inflight.traces", "Emitted traces the sink has not yet made durable",
        m -> m.inflightTraces);
  }

  /** Records a trace the sink made durable. */
  void emitted(AssembledTrace trace) {
    emitted.get(trace.verdict()).increment();
    assemblyTime.record(Math.max(0, trace.assemblyMillis()), TimeUnit.MILLISECONDS);
  }

  void dropped() {
    droppedTraces.increment();
  }

  Counter invalidRecords() {
    return invalidRecords;
  }

  Counter commitFailures() {
    return commitFailures;
  }

  /** Copies the assembler's sizes into the gauges and counts the duplicates it saw since the last call. */
  void update(TraceAssembler assembler) {
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

  /** Unregisters the gauges, which hold on to this object; counters and the timer stay, as Micrometer shares them. */
  void close() {
    gauges.forEach(registry::remove);
    gauges.clear();
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).register(registry);
  }

  private void gauge(String name, String description, ToDoubleFunction<AggregatorMetrics> value) {
    gauges.add(Gauge.builder(name, this, value).description(description).register(registry));
  }
}
