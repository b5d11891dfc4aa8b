package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A trace the assembler has emitted: its verdict, shape counts and spans, plus the partition offset it holds until
 * {@link TraceAssembler#acknowledge(AssembledTrace)} is called for it.
 */
public final class AssembledTrace {
  private static final byte[] SPANS_OPEN = ",\"spans\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLOSE = "]}".getBytes(StandardCharsets.US_ASCII);

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
   * The swarm.traces record value: the documented JSON object, with the spans' own JSON bytes copied in as they
   * are (no re-parsing).
   */
  public byte[] toJson() {
    StringBuilder head = new StringBuilder(256);
    head.append("{\"trace_id\":");
    appendJsonString(head, traceId);
    head.append(",\"verdict\":\"").append(verdict.wire())
        .append("\",\"complete\":").append(complete())
        .append(",\"span_count\":").append(spanCount)
        .append(",\"root_count\":").append(rootCount)
        .append(",\"orphan_count\":").append(orphanCount)
        .append(",\"cycle_count\":").append(cycleCount)
        .append(",\"duplicate_count\":").append(duplicateCount)
        .append(",\"first_seen\":\"").append(Timestamps.formatIso(firstSeenMs))
        .append("\",\"emitted_at\":\"").append(Timestamps.formatIso(emittedAtMs)).append('"');
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);

    long size = (long) headBytes.length + SPANS_OPEN.length + CLOSE.length + Math.max(0, spans.size() - 1);
    for (BufferedSpan span : spans) {
      size += span.json().length;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("trace " + traceId + " too large to serialise: " + size + " bytes");
    }
    byte[] out = new byte[(int) size];
    int pos = put(out, 0, headBytes);
    pos = put(out, pos, SPANS_OPEN);
    boolean first = true;
    for (BufferedSpan span : spans) {
      if (!first) {
        out[pos++] = ',';
      }
      first = false;
      pos = put(out, pos, span.json());
    }
    put(out, pos, CLOSE);
    return out;
  }

  private static int put(byte[] out, int pos, byte[] bytes) {
    System.arraycopy(bytes, 0, out, pos, bytes.length);
    return pos + bytes.length;
  }

  /** Appends text as a JSON string literal (quotes, backslash and control characters escaped). */
  static void appendJsonString(StringBuilder sb, String text) {
    sb.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  @Override
  public String toString() {
    return "AssembledTrace{" + traceId + ' ' + verdict.wire() + " spans=" + spanCount + " roots=" + rootCount
        + " orphans=" + orphanCount + " cycles=" + cycleCount + " duplicates=" + duplicateCount
        + " partition=" + partition + " offset=" + heldOffset + '}';
  }
}
