package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanStatus;

/**
 * The fields of one span that a trace summary is computed from, whether decoded or read back from SQLite. The tenant
 * is the trace's, from its key.
 */
public record SpanFacts(
    String id,
    String parentSpanId,
    String spanName,
    boolean error,
    long startMillis,
    Long endMillis,
    Long durationMs,
    String ticketId,
    String agentId) {

  static SpanFacts of(Span s) {
    return new SpanFacts(s.id(), s.parentSpanId(), s.spanName(), s.status() == SpanStatus.ERROR,
        s.startEpochMillis(), s.endEpochMillis(), s.durationMs(), s.ticketId(), s.agentId());
  }

  /** The end time, or start + duration when only the duration is known, or null. */
  Long effectiveEndMillis() {
    if (endMillis != null) {
      return endMillis;
    }
    return durationMs == null ? null : startMillis + durationMs;
  }
}
