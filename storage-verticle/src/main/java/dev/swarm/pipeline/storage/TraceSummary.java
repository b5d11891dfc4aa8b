package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceShape;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One row of trace_summaries: one trace of one tenant.
 *
 * @param tenantId as stored: {@link ReadScope#NO_TENANT} for spans that name none
 * @param verdict never {@link TraceVerdict#LATE}
 * @param firstSeenMillis null when unknown
 * @param emittedAtMillis null when unknown
 */
public record TraceSummary(
    String traceId,
    String tenantId,
    String ticketId,
    String agentId,
    String rootSpanId,
    String rootSpanName,
    long startMillis,
    Long endMillis,
    Long durationMs,
    int spanCount,
    int errorCount,
    int orphanCount,
    int rootCount,
    int cycleCount,
    TraceVerdict verdict,
    Long firstSeenMillis,
    Long emittedAtMillis) {

  public TraceSummary {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(verdict, "verdict");
    if (verdict == TraceVerdict.LATE) {
      throw new IllegalArgumentException("a stored summary never has verdict late");
    }
  }

  public boolean complete() {
    return verdict == TraceVerdict.COMPLETE;
  }

  /**
   * The summary of a trace seen for the first time, from a non-late message: the aggregator's counts and
   * verdict, everything else from the message's spans.
   */
  public static TraceSummary fromMessage(TraceRecord m, String tenantId) {
    if (m.verdict() == TraceVerdict.LATE) {
      throw new IllegalArgumentException("a late message cannot start a summary; recompute from stored spans");
    }
    List<SpanFacts> facts = new ArrayList<>(m.spans().size());
    for (var s : m.spans()) {
      facts.add(SpanFacts.of(s));
    }
    return summarize(m.traceId(), tenantId, facts, m.spanCount(), m.rootCount(), m.orphanCount(), m.cycleCount(),
        m.verdict(), m.firstSeenMillis(), m.emittedAtMillis());
  }

  /**
   * The summary recomputed from all stored spans of a trace (after merging late or replayed spans): counts
   * from {@link TraceShape}, verdict from {@link #mergedVerdict}.
   *
   * @param messageVerdict the verdict of the newest non-late message for the trace in this batch, else LATE
   * @param storedVerdict the verdict of the summary already stored, or null
   */
  /**
   * The summary of a trace recomputed from all its stored spans (after late spans, a replay, or the trace twice in
   * one batch), the same on every backend. {@code messages}: the batch's messages of the trace in batch order; the
   * newest non-late verdict wins, the earliest first-seen time and the last emitted-at time are kept.
   */
  public static TraceSummary recomputed(TraceKey key, List<SpanFacts> stored, List<TraceRecord> messages,
      TraceVerdict storedVerdict) {
    TraceVerdict messageVerdict = TraceVerdict.LATE;
    Long firstSeen = null;
    Long emittedAt = null;
    for (TraceRecord m : messages) {
      if (m.verdict() != TraceVerdict.LATE) {
        messageVerdict = m.verdict();
      }
      Long seen = m.firstSeenMillis();
      if (firstSeen == null || (seen != null && seen < firstSeen)) {
        firstSeen = seen;
      }
      emittedAt = m.emittedAtMillis() != null ? m.emittedAtMillis() : emittedAt;
    }
    return fromStoredSpans(key.traceId(), key.tenantId(), stored, messageVerdict, storedVerdict, firstSeen, emittedAt);
  }

  public static TraceSummary fromStoredSpans(String traceId, String tenantId, List<SpanFacts> stored, TraceVerdict messageVerdict,
      TraceVerdict storedVerdict, Long firstSeenMillis, Long emittedAtMillis) {
    List<String> ids = new ArrayList<>(stored.size());
    List<String> parents = new ArrayList<>(stored.size());
    for (SpanFacts f : stored) {
      ids.add(f.id());
      parents.add(f.parentSpanId());
    }
    TraceShape shape = TraceShape.analyze(ids, parents);
    TraceVerdict verdict = mergedVerdict(shape.complete(), messageVerdict, storedVerdict);
    return summarize(traceId, tenantId, stored, shape.spanCount(), shape.rootCount(), shape.orphanCount(),
        shape.cycleCount(), verdict, firstSeenMillis, emittedAtMillis);
  }

  /**
   * The verdict after merging: complete when the stored spans form one fully connected tree; otherwise the
   * newest non-late message's verdict, else the stored one, else incomplete (a trace that was complete and
   * gained a span that breaks its shape is no longer complete).
   */
  static TraceVerdict mergedVerdict(boolean shapeComplete, TraceVerdict messageVerdict, TraceVerdict storedVerdict) {
    if (shapeComplete) {
      return TraceVerdict.COMPLETE;
    }
    if (messageVerdict == TraceVerdict.INCOMPLETE || messageVerdict == TraceVerdict.EVICTED) {
      return messageVerdict;
    }
    if (storedVerdict == TraceVerdict.INCOMPLETE || storedVerdict == TraceVerdict.EVICTED) {
      return storedVerdict;
    }
    return TraceVerdict.INCOMPLETE;
  }

  private static TraceSummary summarize(String traceId, String tenantId, List<SpanFacts> spans, int spanCount, int rootCount,
      int orphanCount, int cycleCount, TraceVerdict verdict, Long firstSeen, Long emittedAt) {
    if (spans.isEmpty()) {
      throw new IllegalArgumentException("trace " + traceId + " has no spans");
    }
    SpanFacts root = null;
    long start = Long.MAX_VALUE;
    Long end = null;
    int errors = 0;
    for (SpanFacts s : spans) {
      if (s.parentSpanId() == null && (root == null || s.startMillis() < root.startMillis())) {
        root = s;
      }
      start = Math.min(start, s.startMillis());
      Long e = s.effectiveEndMillis();
      if (e != null && (end == null || e > end)) {
        end = e;
      }
      if (s.error()) {
        errors++;
      }
    }
    SpanFacts firstWithTicket = root != null && root.ticketId() != null ? root : earliest(spans, SpanFacts::ticketId);
    SpanFacts firstWithAgent = root != null && root.agentId() != null ? root : earliest(spans, SpanFacts::agentId);
    if (end != null && end < start) {
      end = start;
    }
    return new TraceSummary(traceId, tenantId,
        firstWithTicket == null ? null : firstWithTicket.ticketId(),
        firstWithAgent == null ? null : firstWithAgent.agentId(),
        root == null ? null : root.id(), root == null ? null : root.spanName(),
        start, end, end == null ? null : end - start,
        spanCount, errors, orphanCount, rootCount, cycleCount, verdict, firstSeen, emittedAt);
  }

  /** The earliest-starting span that has the field, or null. */
  private static SpanFacts earliest(List<SpanFacts> spans, java.util.function.Function<SpanFacts, String> field) {
    SpanFacts best = null;
    for (SpanFacts s : spans) {
      String v = field.apply(s);
      if (v != null && (best == null || s.startMillis() < best.startMillis())) {
        best = s;
      }
    }
    return best;
  }
}
