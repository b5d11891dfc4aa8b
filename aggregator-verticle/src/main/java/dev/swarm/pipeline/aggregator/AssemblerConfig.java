package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.config.EnvReader;

/**
 * Limits and timings of trace assembly.
 *
 * @param idleMs a trace is emitted as complete once no span arrived for this long (TRACE_IDLE_MS)
 * @param maxWaitMs a trace is emitted at the latest this long after its first span (TRACE_MAX_WAIT_MS)
 * @param maxBufferedSpans above this many buffered spans the oldest traces are evicted
 *     (AGGREGATOR_MAX_BUFFERED_SPANS)
 * @param maxSpansPerTrace a trace reaching this many spans is evicted at once (MAX_SPANS_PER_TRACE)
 * @param recentlyEmittedCapacity how many emitted trace ids are remembered to recognise late spans
 *     (AGGREGATOR_RECENTLY_EMITTED_CAPACITY)
 * @param maxTraceBytes a trace whose span JSON would exceed this many bytes is evicted first, so one swarm.traces
 *     message stays below the producer's and broker's size limits (AGGREGATOR_MAX_TRACE_BYTES)
 */
public record AssemblerConfig(
    long idleMs,
    long maxWaitMs,
    long maxBufferedSpans,
    int maxSpansPerTrace,
    int recentlyEmittedCapacity,
    int maxTraceBytes) {

  public static final long DEFAULT_IDLE_MS = 2_000;
  public static final long DEFAULT_MAX_WAIT_MS = 30_000;
  public static final long DEFAULT_MAX_BUFFERED_SPANS = 1_000_000;
  public static final int DEFAULT_MAX_SPANS_PER_TRACE = 10_000;
  public static final int DEFAULT_RECENTLY_EMITTED_CAPACITY = 100_000;
  /** 8 MiB: 10,000 spans of ~400 bytes fit with room to spare. */
  public static final int DEFAULT_MAX_TRACE_BYTES = 8 * 1024 * 1024;

  public AssemblerConfig {
    if (idleMs < 0) {
      throw new IllegalArgumentException("idleMs must be >= 0: " + idleMs);
    }
    if (maxWaitMs < idleMs) {
      throw new IllegalArgumentException("maxWaitMs must be >= idleMs: " + maxWaitMs + " < " + idleMs);
    }
    if (maxBufferedSpans < 1) {
      throw new IllegalArgumentException("maxBufferedSpans must be >= 1: " + maxBufferedSpans);
    }
    if (maxSpansPerTrace < 1) {
      throw new IllegalArgumentException("maxSpansPerTrace must be >= 1: " + maxSpansPerTrace);
    }
    if (recentlyEmittedCapacity < 0) {
      throw new IllegalArgumentException("recentlyEmittedCapacity must be >= 0: " + recentlyEmittedCapacity);
    }
    if (maxTraceBytes < 1) {
      throw new IllegalArgumentException("maxTraceBytes must be >= 1: " + maxTraceBytes);
    }
  }

  /** The five limits named in the contract; the byte limit takes its default. */
  public AssemblerConfig(
      long idleMs, long maxWaitMs, long maxBufferedSpans, int maxSpansPerTrace, int recentlyEmittedCapacity) {
    this(idleMs, maxWaitMs, maxBufferedSpans, maxSpansPerTrace, recentlyEmittedCapacity, DEFAULT_MAX_TRACE_BYTES);
  }

  public static AssemblerConfig defaults() {
    return new AssemblerConfig(DEFAULT_IDLE_MS, DEFAULT_MAX_WAIT_MS, DEFAULT_MAX_BUFFERED_SPANS,
        DEFAULT_MAX_SPANS_PER_TRACE, DEFAULT_RECENTLY_EMITTED_CAPACITY, DEFAULT_MAX_TRACE_BYTES);
  }

  /** The TRACE_* and AGGREGATOR_* assembly settings, bounded; {@code maxRecordBytes} bounds a trace's size. */
  public static AssemblerConfig fromEnv(EnvReader r, long maxRecordBytes) {
    long idle = r.longValue("TRACE_IDLE_MS", DEFAULT_IDLE_MS, 0, 3_600_000);
    long maxWait = r.notBelow("TRACE_MAX_WAIT_MS", r.longValue("TRACE_MAX_WAIT_MS", DEFAULT_MAX_WAIT_MS, 1, 86_400_000),
        "TRACE_IDLE_MS", idle);
    return new AssemblerConfig(
        idle,
        maxWait,
        r.longValue("AGGREGATOR_MAX_BUFFERED_SPANS", DEFAULT_MAX_BUFFERED_SPANS, 1, 1_000_000_000),
        r.integer("MAX_SPANS_PER_TRACE", DEFAULT_MAX_SPANS_PER_TRACE, 1, 10_000_000),
        r.integer("AGGREGATOR_RECENTLY_EMITTED_CAPACITY", DEFAULT_RECENTLY_EMITTED_CAPACITY, 0, 100_000_000),
        r.integer("AGGREGATOR_MAX_TRACE_BYTES", DEFAULT_MAX_TRACE_BYTES, 1024, (int) (maxRecordBytes - (1 << 20))));
  }
}
