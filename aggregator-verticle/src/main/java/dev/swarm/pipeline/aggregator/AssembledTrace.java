package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.ArrayList;
import java.util.List;

/**
 * A trace the assembler has emitted: its verdict, shape counts and spans, plus the partition offset it holds until
 * {@link TraceAssembler#acknowledge(AssembledTrace)} is called for it.
 */
public final class AssembledTrace {
  private final String traceId;
  private final TraceVerdict verdict;
  private final int spanCount;
  private final int rootCount;
  private final int orphanCount;
  private final int cycleCount;
  private final int duplicateCount;
  private final long firstSeenMs;
  private final long emittedAtMs;
  private final List<BufferedSpan> spans;
  private final int partition;
  private final long heldOffset;

  // Offset holds released on acknowledgement; owned by the assembler.
  final OffsetTracker tracker;
  final List<TraceAssembler.Hold> extraHolds;
  boolean acknowledged;

  AssembledTrace(String traceId, TraceVerdict verdict, int spanCount, int rootCount, int orphanCount, int cycleCount,
      int duplicateCount, long firstSeenMs, long emittedAtMs, List<BufferedSpan> spans, int partition,
      long heldOffset, OffsetTracker tracker, List<TraceAssembler.Hold> extraHolds) {
    this.traceId = traceId;
    this.verdict = verdict;
    this.spanCount = spanCount;
    this.rootCount = rootCount;
    this.orphanCount = orphanCount;
    this.cycleCount = cycleCount;
    this.duplicateCount = duplicateCount;
    this.firstSeenMs = firstSeenMs;
    this.emittedAtMs = emittedAtMs;
    this.spans = spans;
    this.partition = partition;
    this.heldOffset = heldOffset;
    this.tracker = tracker;
    this.extraHolds = extraHolds;
  }

  public String traceId() {
    return traceId;
  }

  public TraceVerdict verdict() {
    return verdict;
  }

  /** True only for verdict complete. */
  public boolean complete() {
    return verdict == TraceVerdict.COMPLETE;
  }

  public int spanCount() {
    return spanCount;
  }

  public int rootCount() {
    return rootCount;
  }

  public int orphanCount() {
    return orphanCount;
  }

  public int cycleCount() {
    return cycleCount;
  }

  /** Span ids seen more than once in this trace (the later copy was kept). */
  public int duplicateCount() {
    return duplicateCount;
  }

  public long firstSeenMs() {
    return firstSeenMs;
  }

  public long emittedAtMs() {
    return emittedAtMs;
  }

  /** From the first span's arrival to emission. */
  public long assemblyMillis() {
    return emittedAtMs - firstSeenMs;
  }

  /** The spans in arrival order (a duplicate keeps the position of its first copy). Unmodifiable. */
  public List<BufferedSpan> spans() {
    return spans;
  }

  /** The partition of the record that created the trace. */
  public int partition() {
    return partition;
  }

  /** The offset of the record that created the trace, held until acknowledged. */
  public long heldOffset() {
    return heldOffset;
  }

  /**
   * The swarm.traces record value ({@link TraceRecord#write}): the documented JSON object, with the spans' own JSON
   * bytes copied in as they are (no re-parsing).
   */
  public byte[] toJson() {
    List<byte[]> json = new ArrayList<>(spans.size());
    for (BufferedSpan span : spans) {
      json.add(span.json());
    }
    return TraceRecord.write(traceId, verdict, spanCount, rootCount, orphanCount, cycleCount, duplicateCount,
        firstSeenMs, emittedAtMs, json);
  }

  @Override
  public String toString() {
    return "AssembledTrace{" + traceId + ' ' + verdict.wire() + " spans=" + spanCount + " roots=" + rootCount
        + " orphans=" + orphanCount + " cycles=" + cycleCount + " duplicates=" + duplicateCount
        + " partition=" + partition + " offset=" + heldOffset + '}';
  }
}
