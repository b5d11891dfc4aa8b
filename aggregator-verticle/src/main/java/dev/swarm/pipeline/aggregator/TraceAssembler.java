package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.TraceShape;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Buffers spans per trace and decides when each trace is emitted: complete (one root, all reachable, idle),
 * incomplete (max wait passed), evicted (a memory limit was hit) or late (spans of an already emitted trace).
 * Also keeps the per-partition offset bookkeeping that makes consumption at-least-once.
 *
 * <p>Pure logic, single-threaded, time passed in by the caller. Work per call is proportional to what is added or
 * emitted: traces sit in one map ordered by first arrival (max wait and eviction look only at its head) and in one
 * linked list ordered by last update (idleness looks only at its head); an idle trace that is not complete leaves
 * that list until a new span arrives, so it is not examined again on every sweep.
 */
public final class TraceAssembler {

  /** An extra offset hold of a trace whose spans came from more than one partition. */
  record Hold(int partition, OffsetTracker tracker, long offset) {}

  /** One trace being assembled. */
  private static final class TraceBuffer {
    final String traceId;
    final boolean late;
    final long firstSeenMs;
    final int partition;
    final OffsetTracker tracker;
    final long heldOffset;
    /** Null unless spans of this trace also arrived on another partition (only if the topic was repartitioned). */
    List<Hold> extraHolds;
    /** Span id → span, in arrival order; a duplicate id replaces the value and keeps the position. */
    final LinkedHashMap<String, BufferedSpan> spans = new LinkedHashMap<>();
    long bytes;
    int duplicates;
    long lastUpdateMs;
    TraceBuffer idlePrev;
    TraceBuffer idleNext;
    boolean inIdleOrder;

    TraceBuffer(String traceId, boolean late, long firstSeenMs, int partition, OffsetTracker tracker,
        long heldOffset) {
      this.traceId = traceId;
      this.late = late;
      this.firstSeenMs = firstSeenMs;
      this.lastUpdateMs = firstSeenMs;
      this.partition = partition;
      this.tracker = tracker;
      this.heldOffset = heldOffset;
    }
  }

  private final AssemblerConfig config;
  /** Buffered traces in order of first arrival. */
  private final LinkedHashMap<String, TraceBuffer> traces = new LinkedHashMap<>();
  /** Traces not known to be idle-but-incomplete, least recently updated first. */
  private TraceBuffer idleHead;
  private TraceBuffer idleTail;
  /** Recently emitted trace id → its partition; oldest emission dropped first when full. */
  private final LinkedHashMap<String, Integer> recentlyEmitted;
  private final Map<Integer, OffsetTracker> trackers = new HashMap<>();

  private long bufferedSpans;
  private long bufferedBytes;
  private long duplicateSpansTotal;
  private final long[] emittedByVerdict = new long[TraceVerdict.values().length];
  private int unacknowledged;

  public TraceAssembler(AssemblerConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    int capacity = config.recentlyEmittedCapacity();
    this.recentlyEmitted = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
        return size() > capacity;
      }
    };
  }

  public AssemblerConfig config() {
    return config;
  }

  /**
   * Buffers the spans of one consumed record (all of one trace).
   *
   * @param traceId the record key
   * @param spans the record's spans; may be empty (the offset then only counts as consumed)
   * @param partition the record's partition
   * @param offset the record's offset
   * @param nowMs current time
   * @return traces that had to be emitted at once to respect a limit; usually empty
   */
  public List<AssembledTrace> add(String traceId, List<BufferedSpan> spans, int partition, long offset,
      long nowMs) {
    Objects.requireNonNull(traceId, "traceId");
    OffsetTracker tracker = trackerOf(partition);
    tracker.consumed(offset);
    if (spans.isEmpty()) {
      return List.of();
    }
    List<AssembledTrace> emitted = null;
    TraceBuffer trace = traces.get(traceId);
    if (trace != null) {
      holdAlso(trace, partition, tracker, offset);
    }
    for (BufferedSpan span : spans) {
      if (trace != null && trace.bytes + span.json().length > config.maxTraceBytes()) {
        emitted = append(emitted, emit(trace, limitVerdict(trace), nowMs, null));
        trace = null;
      }
      if (trace == null) {
        // After an emission in this loop the id is in the recently-emitted set, so the rest becomes a late update.
        trace = new TraceBuffer(traceId, recentlyEmitted.containsKey(traceId), nowMs, partition, tracker, offset);
        tracker.hold(offset);
        traces.put(traceId, trace);
      }
      putSpan(trace, span);
      if (trace.spans.size() >= config.maxSpansPerTrace()) {
        emitted = append(emitted, emit(trace, limitVerdict(trace), nowMs, null));
        trace = null;
      }
    }
    if (trace != null) {
      trace.lastUpdateMs = nowMs;
      unlinkIdle(trace);
      linkIdleTail(trace);
    }
    while (bufferedSpans > config.maxBufferedSpans()) {
      TraceBuffer oldest = traces.values().iterator().next();
      emitted = append(emitted, emit(oldest, limitVerdict(oldest), nowMs, null));
    }
    return emitted == null ? List.of() : emitted;
  }

  /** Counts a record that carried no usable spans (e.g. malformed) as consumed, so commits can pass it. */
  public void skipRecord(int partition, long offset) {
    trackerOf(partition).consumed(offset);
  }

  /** Emits every trace that is ready at {@code nowMs}: past max wait, or idle and complete, or idle late updates. */
  public List<AssembledTrace> sweep(long nowMs) {
    List<AssembledTrace> out = new ArrayList<>();
    while (!traces.isEmpty()) {
      TraceBuffer oldest = traces.values().iterator().next();
      if (nowMs - oldest.firstSeenMs < config.maxWaitMs()) {
        break;
      }
      if (oldest.late) {
        out.add(emit(oldest, TraceVerdict.LATE, nowMs, null));
      } else {
        TraceShape shape = shapeOf(oldest.spans.values());
        out.add(emit(oldest, shape.complete() ? TraceVerdict.COMPLETE : TraceVerdict.INCOMPLETE, nowMs, shape));
      }
    }
    while (idleHead != null && nowMs - idleHead.lastUpdateMs >= config.idleMs()) {
      TraceBuffer trace = idleHead;
      unlinkIdle(trace);
      if (trace.late) {
        // A late update is never held for a parent: the earlier spans were emitted already.
        out.add(emit(trace, TraceVerdict.LATE, nowMs, null));
        continue;
      }
      TraceShape shape = shapeOf(trace.spans.values());
      if (shape.complete()) {
        out.add(emit(trace, TraceVerdict.COMPLETE, nowMs, shape));
      }
      // Otherwise it waits outside the idle order until a span arrives or max wait passes.
    }
    return out;
  }

  /**
   * Marks an emitted trace as safely written downstream, releasing its offset hold. Calling it again, or for a
   * trace whose partition was forgotten meanwhile, does nothing harmful.
   */
  public void acknowledge(AssembledTrace trace) {
    if (trace.acknowledged) {
      return;
    }
    trace.acknowledged = true;
    unacknowledged--;
    trace.tracker.release(trace.heldOffset());
    if (trace.extraHolds != null) {
      for (Hold hold : trace.extraHolds) {
        hold.tracker().release(hold.offset());
      }
    }
  }

  /**
   * The offset to commit for the partition: the lowest offset still held by a buffered or unacknowledged trace, or
   * the highest consumed + 1 when none is held; -1 when nothing of the partition was consumed.
   */
  public long commitPosition(int partition) {
    OffsetTracker tracker = trackers.get(partition);
    return tracker == null ? -1 : tracker.commitPosition();
  }

  /** Partitions with offset state (consumed since assignment). */
  public Set<Integer> partitions() {
    return Collections.unmodifiableSet(trackers.keySet());
  }

  /**
   * Drops the buffered traces and offset state of revoked partitions without emitting anything: their records are
   * read again by the new owner from its committed position. Acknowledging a trace emitted before the revoke stays
   * harmless because its hold points at the dropped state.
   */
  public void forgetPartitions(Collection<Integer> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Set<Integer> revoked = new HashSet<>(partitions);
    for (Integer partition : revoked) {
      trackers.remove(partition);
    }
    Iterator<TraceBuffer> it = traces.values().iterator();
    while (it.hasNext()) {
      TraceBuffer trace = it.next();
      if (holdsLiveOffset(trace)) {
        continue; // some of its records sit on a partition still owned: keep it, the rest is replayed elsewhere
      }
      it.remove();
      unlinkIdle(trace);
      bufferedSpans -= trace.spans.size();
      bufferedBytes -= trace.bytes;
    }
    // So that replayed records of those traces assemble as whole traces again rather than as late updates.
    recentlyEmitted.values().removeIf(revoked::contains);
  }

  public int bufferedTraces() {
    return traces.size();
  }

  public long bufferedSpans() {
    return bufferedSpans;
  }

  /** Sum of the buffered spans' JSON sizes. */
  public long bufferedBytes() {
    return bufferedBytes;
  }

  /** Spans whose id was already buffered in their trace, since creation. */
  public long duplicateSpansTotal() {
    return duplicateSpansTotal;
  }

  /** Traces emitted with the verdict since creation. */
  public long emittedCount(TraceVerdict verdict) {
    return emittedByVerdict[verdict.ordinal()];
  }

  /** Traces emitted and not yet acknowledged. */
  public int unacknowledgedTraces() {
    return unacknowledged;
  }

  public int recentlyEmittedSize() {
    return recentlyEmitted.size();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private OffsetTracker trackerOf(int partition) {
    return trackers.computeIfAbsent(partition, p -> new OffsetTracker());
  }

  private void holdAlso(TraceBuffer trace, int partition, OffsetTracker tracker, long offset) {
    if (trace.tracker == tracker) {
      return; // the creating record's hold covers later records of the same partition
    }
    if (trace.extraHolds != null) {
      for (Hold hold : trace.extraHolds) {
        if (hold.tracker() == tracker) {
          return;
        }
      }
    } else {
      trace.extraHolds = new ArrayList<>(1);
    }
    trace.extraHolds.add(new Hold(partition, tracker, offset));
    tracker.hold(offset);
  }

  private boolean holdsLiveOffset(TraceBuffer trace) {
    if (trackers.get(trace.partition) == trace.tracker) {
      return true;
    }
    if (trace.extraHolds != null) {
      for (Hold hold : trace.extraHolds) {
        if (trackers.get(hold.partition()) == hold.tracker()) {
          return true;
        }
      }
    }
    return false;
  }

  private void putSpan(TraceBuffer trace, BufferedSpan span) {
    int size = span.json().length;
    BufferedSpan previous = trace.spans.put(span.id(), span);
    if (previous == null) {
      bufferedSpans++;
    } else {
      size -= previous.json().length; // the later copy wins
      trace.duplicates++;
      duplicateSpansTotal++;
    }
    trace.bytes += size;
    bufferedBytes += size;
  }

  /** Limits cut a late update short as another late update; a regular trace as evicted. */
  private static TraceVerdict limitVerdict(TraceBuffer trace) {
    return trace.late ? TraceVerdict.LATE : TraceVerdict.EVICTED;
  }

  private AssembledTrace emit(TraceBuffer trace, TraceVerdict verdict, long nowMs, TraceShape knownShape) {
    traces.remove(trace.traceId);
    unlinkIdle(trace);
    bufferedSpans -= trace.spans.size();
    bufferedBytes -= trace.bytes;
    List<BufferedSpan> spans = List.copyOf(trace.spans.values());
    TraceShape shape = knownShape != null ? knownShape : shapeOf(spans);
    rememberEmitted(trace.traceId, trace.partition);
    emittedByVerdict[verdict.ordinal()]++;
    unacknowledged++;
    return new AssembledTrace(trace.traceId, verdict, shape.spanCount(), shape.rootCount(), shape.orphanCount(),
        shape.cycleCount(), trace.duplicates, trace.firstSeenMs, nowMs, spans, trace.partition, trace.heldOffset,
        trace.tracker, trace.extraHolds);
  }

  private void rememberEmitted(String traceId, int partition) {
    if (config.recentlyEmittedCapacity() == 0) {
      return;
    }
    recentlyEmitted.remove(traceId); // re-insert so a trace that keeps receiving late spans stays remembered
    recentlyEmitted.put(traceId, partition);
  }

  private static TraceShape shapeOf(Collection<BufferedSpan> spans) {
    List<String> ids = new ArrayList<>(spans.size());
    List<String> parents = new ArrayList<>(spans.size());
    for (BufferedSpan span : spans) {
      ids.add(span.id());
      parents.add(span.parentId());
    }
    return TraceShape.analyze(ids, parents);
  }

  private void linkIdleTail(TraceBuffer trace) {
    trace.idlePrev = idleTail;
    trace.idleNext = null;
    if (idleTail == null) {
      idleHead = trace;
    } else {
      idleTail.idleNext = trace;
    }
    idleTail = trace;
    trace.inIdleOrder = true;
  }

  private void unlinkIdle(TraceBuffer trace) {
    if (!trace.inIdleOrder) {
      return;
    }
    if (trace.idlePrev == null) {
      idleHead = trace.idleNext;
    } else {
      trace.idlePrev.idleNext = trace.idleNext;
    }
    if (trace.idleNext == null) {
      idleTail = trace.idlePrev;
    } else {
      trace.idleNext.idlePrev = trace.idlePrev;
    }
    trace.idlePrev = null;
    trace.idleNext = null;
    trace.inIdleOrder = false;
  }

  private static List<AssembledTrace> append(List<AssembledTrace> list, AssembledTrace trace) {
    List<AssembledTrace> out = list == null ? new ArrayList<>(2) : list;
    out.add(trace);
    return out;
  }
}
