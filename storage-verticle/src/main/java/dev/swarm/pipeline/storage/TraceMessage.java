package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.List;
import java.util.Objects;

/**
 * One decoded swarm.traces record. For verdict {@link TraceVerdict#LATE} the counts describe only the spans in
 * this message.
 *
 * @param firstSeenMillis null when the record did not carry {@code first_seen}
 * @param emittedAtMillis null when the record did not carry {@code emitted_at}
 */
public record TraceMessage(
    String traceId,
    TraceVerdict verdict,
    int spanCount,
    int rootCount,
    int orphanCount,
    int cycleCount,
    int duplicateCount,
    Long firstSeenMillis,
    Long emittedAtMillis,
    List<Span> spans) {

  public TraceMessage {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(verdict, "verdict");
    spans = List.copyOf(spans);
  }

  /** True only for verdict complete. */
  public boolean complete() {
    return verdict == TraceVerdict.COMPLETE;
  }
}
