package dev.swarm.pipeline.aggregator;

import static dev.swarm.pipeline.aggregator.Spans.span;
import static dev.swarm.pipeline.aggregator.Spans.spans;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TraceAssemblerTest {
  private static final long IDLE = 100;
  private static final long MAX_WAIT = 1_000;

  private static TraceAssembler assembler() {
    return new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000_000, 20_000, 1_000, 64 << 20));
  }

  private static Set<String> ids(AssembledTrace trace) {
    return trace.spans().stream().map(BufferedSpan::id).collect(Collectors.toSet());
  }

  private static void assertCounts(AssembledTrace t, int spans, int roots, int orphans, int cycles, int dups) {
    assertEquals(spans, t.spanCount(), "spans " + t);
    assertEquals(roots, t.rootCount(), "roots " + t);
    assertEquals(orphans, t.orphanCount(), "orphans " + t);
    assertEquals(cycles, t.cycleCount(), "cycles " + t);
    assertEquals(dups, t.duplicateCount(), "duplicates " + t);
    assertEquals(spans, t.spans().size(), "span list " + t);
  }

  // --- complete ---------------------------------------------------------------------------------------------------

  @Test
  void completeTraceIsEmittedOnceIdle() {
    TraceAssembler a = assembler();
    assertTrue(a.add("t", spans("t", "c:a", "a:r"), 0, 0, 1_000).isEmpty());
    assertTrue(a.add("t", spans("t", "r"), 0, 1, 1_050).isEmpty());
    assertTrue(a.sweep(1_100).isEmpty(), "idle time counts from the last span");
    List<AssembledTrace> out = a.sweep(1_150);
    assertEquals(1, out.size());
    AssembledTrace t = out.get(0);
    assertEquals("t", t.traceId());
    assertEquals(TraceVerdict.COMPLETE, t.verdict());
    assertTrue(t.complete());
    assertCounts(t, 3, 1, 0, 0, 0);
    assertEquals(1_000, t.firstSeenMs());
    assertEquals(1_150, t.emittedAtMs());
    assertEquals(List.of("c", "a", "r"), t.spans().stream().map(BufferedSpan::id).toList(), "arrival order");
    assertEquals(0, a.bufferedTraces());
    assertEquals(0, a.bufferedSpans());
    assertEquals(0, a.bufferedBytes());
    assertTrue(a.sweep(5_000).isEmpty(), "emitted only once");
    assertEquals(1, a.emittedCount(TraceVerdict.COMPLETE));
  }

  @Test
  void shuffledArrivalAssemblesEveryTraceWhole() {
    Random random = new Random(42);
    TraceAssembler a = assembler();
    List<String[]> records = new ArrayList<>(); // traceId, then "id:parent" entries
    for (int t = 0; t < 20; t++) {
      List<String> entries = new ArrayList<>();
      entries.add("s0");
      for (int i = 1; i < 30; i++) {
        entries.add("s" + i + ":s" + random.nextInt(i)); // a random tree
      }
      Collections.shuffle(entries, random);
      for (int from = 0; from < entries.size(); ) {
        int to = Math.min(entries.size(), from + 1 + random.nextInt(4));
        List<String> record = new ArrayList<>();
        record.add("trace-" + t);
        record.addAll(entries.subList(from, to));
        records.add(record.toArray(new String[0]));
        from = to;
      }
    }
    Collections.shuffle(records, random);
    long now = 0;
    long offset = 0;
    for (String[] record : records) {
      String traceId = record[0];
      String[] entries = java.util.Arrays.copyOfRange(record, 1, record.length);
      assertTrue(a.add(traceId, spans(traceId, entries), 0, offset++, now).isEmpty());
      now += 1; // all arrivals within the idle window
    }
    assertTrue(a.sweep(now).isEmpty());
    List<AssembledTrace> out = a.sweep(now + IDLE);
    assertEquals(20, out.size());
    for (AssembledTrace t : out) {
      assertEquals(TraceVerdict.COMPLETE, t.verdict(), t.toString());
      assertCounts(t, 30, 1, 0, 0, 0);
    }
    assertEquals(0, a.commitPosition(0), "nothing acknowledged yet");
    out.forEach(a::acknowledge);
    assertEquals(offset, a.commitPosition(0));
  }

  @Test
  void idleButIncompleteTraceWaitsForItsParentThenCompletes() {
    TraceAssembler a = assembler();
    a.add("t", spans("t", "r", "b:a"), 0, 0, 0);
    assertTrue(a.sweep(IDLE).isEmpty(), "orphan b keeps it open");
    assertTrue(a.sweep(3 * IDLE).isEmpty());
    a.add("t", spans("t", "a:r"), 0, 1, 500);
    assertTrue(a.sweep(500 + IDLE - 1).isEmpty());
    List<AssembledTrace> out = a.sweep(500 + IDLE);
    assertEquals(1, out.size());
    assertEquals(TraceVerdict.COMPLETE, out.get(0).verdict());
    assertCounts(out.get(0), 3, 1, 0, 0, 0);
    assertEquals(0, out.get(0).firstSeenMs());
  }

  @Test
  void deepChainCompletesWithoutStackOverflow() {
    TraceAssembler a = assembler();
    int n = 10_000;
    List<BufferedSpan> chain = new ArrayList<>(n);
    for (int i = n - 1; i >= 0; i--) {
      chain.add(span("deep", "s" + i, i == 0 ? null : "s" + (i - 1)));
    }
    for (int from = 0; from < n; from += 500) {
      assertTrue(a.add("deep", chain.subList(from, from + 500), 0, from / 500, 0).isEmpty());
    }
    List<AssembledTrace> out = a.sweep(IDLE);
    assertEquals(1, out.size());
    assertEquals(TraceVerdict.COMPLETE, out.get(0).verdict());
    assertCounts(out.get(0), n, 1, 0, 0, 0);
  }

  @Test
  void wideFanOutCompletes() {
    TraceAssembler a = assembler();
    int n = 10_000;
    List<BufferedSpan> fan = new ArrayList<>(n);
    for (int i = 1; i < n; i++) {
      fan.add(span("wide", "c" + i, "root"));
    }
    fan.add(span("wide", "root", null));
    a.add("wide", fan, 0, 0, 0);
    List<AssembledTrace> out = a.sweep(IDLE);
    assertEquals(1, out.size());
    assertEquals(TraceVerdict.COMPLETE, out.get(0).verdict());
    assertCounts(out.get(0), n, 1, 0, 0, 0);
  }

  // --- duplicates ------------------------------------------------------------------------------------------------

  @Test
  void duplicateSpanIsMergedLaterCopyWinsAndCounted() {
    TraceAssembler a = assembler();
    a.add("t", List.of(span("t", "r", null, "first"), span("t", "a", "r")), 0, 0, 0);
    a.add("t", List.of(span("t", "r", null, "second")), 0, 1, 10);
    a.add("t", List.of(span("t", "a", "r")), 0, 2, 20);
    assertEquals(2, a.bufferedSpans());
    assertEquals(2, a.duplicateSpansTotal());
    AssembledTrace t = a.sweep(20 + IDLE).get(0);
    assertCounts(t, 2, 1, 0, 0, 2);
    BufferedSpan root = t.spans().get(0);
    assertEquals("r", root.id());
    assertTrue(new String(root.json(), StandardCharsets.UTF_8).contains("\"span_name\":\"second\""));
    assertEquals(0, a.bufferedBytes());
  }

  @Test
  void duplicateTotalRunsAcrossTraces() {
    TraceAssembler a = assembler();
    a.add("t1", spans("t1", "r", "r"), 0, 0, 0);
    a.add("t2", spans("t2", "r", "x:r", "x:r"), 0, 1, 0);
    assertEquals(2, a.duplicateSpansTotal());
    List<AssembledTrace> out = a.sweep(IDLE);
    assertEquals(Set.of(1), out.stream().map(AssembledTrace::duplicateCount).collect(Collectors.toSet()));
  }

  // --- incomplete -------------------------------------------------------------------------------------------------

  @Test
  void traceIsEmittedIncompleteAtMaxWaitWithShapeCounts() {
    TraceAssembler a = assembler();
    // two roots, an orphan subtree (o, o2), a 2-cycle (p, q) and a self-parent (s)
    a.add("t", spans("t", "r1", "r2", "x:r1", "o:gone", "o2:o", "p:q", "q:p", "s:s"), 0, 0, 0);
    long now = 0;
    while (now < MAX_WAIT - IDLE) {
      now += IDLE;
      a.add("t", spans("t", "x" + now + ":r1"), 0, now, now); // keeps arriving, never idle
      assertTrue(a.sweep(now).isEmpty());
    }
    assertTrue(a.sweep(MAX_WAIT - 1).isEmpty());
    List<AssembledTrace> out = a.sweep(MAX_WAIT);
    assertEquals(1, out.size());
    AssembledTrace t = out.get(0);
    assertEquals(TraceVerdict.INCOMPLETE, t.verdict());
    assertFalse(t.complete());
    assertCounts(t, 8 + (int) ((MAX_WAIT - IDLE) / IDLE), 2, 1, 2, 0);
    assertEquals(MAX_WAIT, t.assemblyMillis());
  }

  @Test
  void completeTraceThatNeverGoesIdleIsEmittedCompleteAtMaxWait() {
    TraceAssembler a = assembler();
    a.add("t", spans("t", "r"), 0, 0, 0);
    for (long now = 50; now < MAX_WAIT; now += 50) {
      a.add("t", spans("t", "c" + now + ":r"), 0, now, now);
      assertTrue(a.sweep(now).isEmpty());
    }
    AssembledTrace t = a.sweep(MAX_WAIT).get(0);
    assertEquals(TraceVerdict.COMPLETE, t.verdict());
  }

  @Test
  void maxWaitEmitsOldestFirstAndStopsAtYoungerTraces() {
    TraceAssembler a = assembler();
    a.add("old", spans("old", "a:missing"), 0, 0, 0);
    a.add("mid", spans("mid", "a:missing"), 0, 1, 200);
    a.add("new", spans("new", "a:missing"), 0, 2, 400);
    List<AssembledTrace> out = a.sweep(MAX_WAIT + 200);
    assertEquals(List.of("old", "mid"), out.stream().map(AssembledTrace::traceId).toList());
    assertEquals(1, a.bufferedTraces());
  }

  // --- late -------------------------------------------------------------------------------------------------------

  @Test
  void spansAfterEmissionBecomeALateUpdateEmittedWhenIdle() {
    TraceAssembler a = assembler();
    a.add("t", spans("t", "r", "a:r"), 0, 0, 0);
    assertEquals(TraceVerdict.COMPLETE, a.sweep(IDLE).get(0).verdict());

    a.add("t", spans("t", "b:a", "c:b"), 0, 1, 500);
    a.add("t", spans("t", "d:zz"), 0, 2, 550);
    assertTrue(a.sweep(550 + IDLE - 1).isEmpty());
    List<AssembledTrace> out = a.sweep(550 + IDLE);
    assertEquals(1, out.size());
    AssembledTrace late = out.get(0);
    assertEquals(TraceVerdict.LATE, late.verdict());
    assertFalse(late.complete());
    // counts describe only the late spans: b's parent a was in the earlier message
    assertCounts(late, 3, 0, 2, 0, 0);
    assertEquals(Set.of("b", "c", "d"), ids(late));
    assertEquals(500, late.firstSeenMs());

    a.add("t", spans("t", "e:a"), 0, 3, 2_000);
    assertEquals(TraceVerdict.LATE, a.sweep(2_000 + IDLE).get(0).verdict(), "still remembered after a late update");
    assertEquals(2, a.emittedCount(TraceVerdict.LATE));
  }

  @Test
  void recentlyEmittedMemoryIsBounded() {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000, 100, 2, 1 << 20));
    for (int i = 0; i < 3; i++) {
      a.add("t" + i, spans("t" + i, "r"), 0, i, 0);
    }
    assertEquals(3, a.sweep(IDLE).size());
    assertEquals(2, a.recentlyEmittedSize());
    a.add("t0", spans("t0", "x:r"), 0, 3, 200); // forgotten: a new trace, held for its parent
    a.add("t2", spans("t2", "x:r"), 0, 4, 200); // remembered: a late update
    List<AssembledTrace> out = a.sweep(200 + IDLE);
    assertEquals(1, out.size());
    assertEquals("t2", out.get(0).traceId());
    assertEquals(TraceVerdict.LATE, out.get(0).verdict());
    assertEquals(TraceVerdict.INCOMPLETE, a.sweep(200 + MAX_WAIT).get(0).verdict());
  }

  // --- limits -----------------------------------------------------------------------------------------------------

  @Test
  void exceedingMaxBufferedSpansEvictsOldestTracesFirst() {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 5, 100, 100, 1 << 20));
    assertTrue(a.add("t1", spans("t1", "r", "a:r"), 0, 0, 0).isEmpty());
    assertTrue(a.add("t2", spans("t2", "r", "a:r"), 0, 1, 1).isEmpty());
    a.add("t1", spans("t1", "b:r"), 0, 2, 2); // t1 updated most recently, but it is still the oldest
    assertEquals(5, a.bufferedSpans());
    List<AssembledTrace> out = a.add("t3", spans("t3", "r", "a:r", "b:r", "c:r"), 0, 3, 3);
    assertEquals(List.of("t1", "t2"), out.stream().map(AssembledTrace::traceId).toList());
    for (AssembledTrace t : out) {
      assertEquals(TraceVerdict.EVICTED, t.verdict());
      assertFalse(t.complete());
    }
    assertCounts(out.get(0), 3, 1, 0, 0, 0);
    assertEquals(4, a.bufferedSpans());
    assertEquals(1, a.bufferedTraces());
    assertEquals(2, a.emittedCount(TraceVerdict.EVICTED));
  }

  @Test
  void traceReachingMaxSpansIsEvictedAtOnceAndTheRestIsLate() {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000, 3, 100, 1 << 20));
    assertTrue(a.add("t", spans("t", "r", "a:r"), 0, 0, 0).isEmpty());
    List<AssembledTrace> out = a.add("t", spans("t", "b:r", "c:r"), 0, 1, 10);
    assertEquals(1, out.size());
    assertEquals(TraceVerdict.EVICTED, out.get(0).verdict());
    assertEquals(Set.of("r", "a", "b"), ids(out.get(0)));
    assertEquals(1, a.bufferedSpans(), "c waits as a late update");
    assertTrue(a.add("t", spans("t", "e:r"), 0, 2, 20).isEmpty());
    List<AssembledTrace> late = a.sweep(20 + IDLE);
    assertEquals(1, late.size());
    assertEquals(TraceVerdict.LATE, late.get(0).verdict());
    assertEquals(Set.of("c", "e"), ids(late.get(0)));
  }

  @Test
  void lateUpdateReachingMaxSpansStaysLate() {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000, 2, 100, 1 << 20));
    a.add("t", spans("t", "r"), 0, 0, 0);
    a.sweep(IDLE);
    List<AssembledTrace> out = a.add("t", spans("t", "a:r", "b:r", "c:r"), 0, 1, 200);
    assertEquals(List.of(TraceVerdict.LATE), out.stream().map(AssembledTrace::verdict).toList());
    assertEquals(1, a.bufferedSpans());
  }

  @Test
  void traceAboutToExceedMaxBytesIsEvictedBeforeTheSpanIsAdded() {
    int spanSize = span("t", "r", null).json().length;
    int limit = 3 * spanSize + spanSize / 2; // three spans fit, four do not
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000, 100, 100, limit));
    List<AssembledTrace> out = a.add("t", spans("t", "r", "a:r", "b:r", "c:r"), 0, 0, 0);
    assertEquals(1, out.size());
    assertEquals(TraceVerdict.EVICTED, out.get(0).verdict());
    assertEquals(3, out.get(0).spanCount());
    assertTrue(out.get(0).toJson().length < limit + 400, "message stays near the byte limit");
    assertEquals(1, a.bufferedSpans());
  }

  @Test
  void bufferedSpansNeverExceedTheLimit() {
    int max = 50;
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, max, 7, 10, 1 << 20));
    Random random = new Random(1);
    long offset = 0;
    for (int i = 0; i < 2_000; i++) {
      String traceId = "t" + random.nextInt(40);
      int n = 1 + random.nextInt(5);
      List<BufferedSpan> record = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        record.add(span(traceId, "s" + random.nextInt(20), random.nextBoolean() ? null : "s" + random.nextInt(20)));
      }
      for (AssembledTrace t : a.add(traceId, record, 0, offset++, i)) {
        a.acknowledge(t);
      }
      for (AssembledTrace t : a.sweep(i)) {
        a.acknowledge(t);
      }
      assertTrue(a.bufferedSpans() <= max, "buffered " + a.bufferedSpans());
      assertTrue(a.recentlyEmittedSize() <= 10);
    }
    assertEquals(0, a.unacknowledgedTraces());
  }

  // --- offsets ----------------------------------------------------------------------------------------------------

  @Test
  void commitPositionNeverPassesTheLowestHeldOffset() {
    TraceAssembler a = assembler();
    assertEquals(-1, a.commitPosition(0), "nothing consumed");
    a.add("A", spans("A", "r"), 0, 10, 0); // creates A, holds 10
    a.add("B", spans("B", "r"), 0, 11, 0); // creates B, holds 11
    a.add("A", spans("A", "x:r"), 0, 12, 0); // joins A: covered by A's hold
    a.skipRecord(0, 13); // malformed record
    assertEquals(10, a.commitPosition(0));

    List<AssembledTrace> out = a.sweep(IDLE);
    assertEquals(2, out.size());
    AssembledTrace traceA = out.stream().filter(t -> t.traceId().equals("A")).findFirst().orElseThrow();
    AssembledTrace traceB = out.stream().filter(t -> t.traceId().equals("B")).findFirst().orElseThrow();
    assertEquals(10, traceA.heldOffset());
    assertEquals(0, traceA.partition());
    assertEquals(10, a.commitPosition(0), "emitted is not yet acknowledged");
    assertEquals(2, a.unacknowledgedTraces());

    a.acknowledge(traceB);
    assertEquals(10, a.commitPosition(0), "A still holds 10");
    a.acknowledge(traceA);
    assertEquals(14, a.commitPosition(0), "highest consumed + 1");
    a.acknowledge(traceA);
    assertEquals(0, a.unacknowledgedTraces(), "a second acknowledge is ignored");
  }

  @Test
  void aLaterTraceAcknowledgedFirstDoesNotMoveTheCommitPastAnEarlierBufferedOne() {
    TraceAssembler a = assembler();
    a.add("slow", spans("slow", "x:missing"), 0, 0, 0);
    a.add("fast", spans("fast", "r"), 0, 1, 0);
    AssembledTrace fast = a.sweep(IDLE).get(0);
    a.acknowledge(fast);
    assertEquals(0, a.commitPosition(0));
    AssembledTrace slow = a.sweep(MAX_WAIT).get(0);
    assertEquals(0, a.commitPosition(0));
    a.acknowledge(slow);
    assertEquals(2, a.commitPosition(0));
  }

  @Test
  void partitionsAreTrackedIndependently() {
    TraceAssembler a = assembler();
    a.add("p0a", spans("p0a", "r"), 0, 5, 0);
    a.add("p1a", spans("p1a", "x:missing"), 1, 100, 0);
    a.add("p0b", spans("p0b", "r"), 0, 6, 0);
    a.add("p1b", spans("p1b", "r"), 1, 101, 0);
    assertEquals(5, a.commitPosition(0));
    assertEquals(100, a.commitPosition(1));
    assertEquals(Set.of(0, 1), a.partitions());
    for (AssembledTrace t : a.sweep(IDLE)) {
      a.acknowledge(t);
    }
    assertEquals(7, a.commitPosition(0));
    assertEquals(100, a.commitPosition(1), "p1a is still buffered");
    assertEquals(-1, a.commitPosition(2));
  }

  @Test
  void lateUpdateHoldsItsOwnOffset() {
    TraceAssembler a = assembler();
    a.add("t", spans("t", "r"), 0, 0, 0);
    AssembledTrace first = a.sweep(IDLE).get(0);
    a.add("t", spans("t", "a:r"), 0, 1, 200);
    a.acknowledge(first);
    assertEquals(1, a.commitPosition(0));
    AssembledTrace late = a.sweep(200 + IDLE).get(0);
    assertEquals(1, late.heldOffset());
    a.acknowledge(late);
    assertEquals(2, a.commitPosition(0));
  }

  @Test
  void evictedTraceAndItsLateRemainderBothHoldTheSplittingRecord() {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 1_000, 2, 100, 1 << 20));
    AssembledTrace evicted = a.add("t", spans("t", "r", "a:r", "b:r"), 0, 7, 0).get(0);
    a.acknowledge(evicted);
    assertEquals(7, a.commitPosition(0), "b is still buffered from offset 7");
    AssembledTrace late = a.sweep(IDLE).get(0);
    a.acknowledge(late);
    assertEquals(8, a.commitPosition(0));
  }

  @Test
  void spansOfOneTraceOnTwoPartitionsHoldBoth() {
    TraceAssembler a = assembler();
    a.add("t", spans("t", "r"), 0, 3, 0);
    a.add("t", spans("t", "a:r"), 1, 9, 0);
    assertEquals(3, a.commitPosition(0));
    assertEquals(9, a.commitPosition(1));
    AssembledTrace t = a.sweep(IDLE).get(0);
    a.acknowledge(t);
    assertEquals(4, a.commitPosition(0));
    assertEquals(10, a.commitPosition(1));
  }

  // --- rebalance --------------------------------------------------------------------------------------------------

  @Test
  void forgetPartitionsDropsTheirTracesWithoutEmitting() {
    TraceAssembler a = assembler();
    a.add("done", spans("done", "r"), 1, 1, -IDLE);
    a.add("keep", spans("keep", "r"), 0, 0, 0);
    a.add("drop1", spans("drop1", "r", "a:r"), 1, 2, 0);
    a.add("drop2", spans("drop2", "r"), 2, 0, 0);
    AssembledTrace done = a.sweep(0).get(0); // emitted before the revoke, acknowledged after it
    assertEquals("done", done.traceId());

    a.forgetPartitions(List.of(1, 2));
    assertEquals(1, a.bufferedTraces());
    assertEquals(1, a.bufferedSpans());
    assertEquals(-1, a.commitPosition(1));
    assertEquals(-1, a.commitPosition(2));
    assertEquals(Set.of(0), a.partitions());
    List<AssembledTrace> out = a.sweep(10 * MAX_WAIT);
    assertEquals(List.of("keep"), out.stream().map(AssembledTrace::traceId).toList());

    // partition 1 comes back and its record 1 is read again: the stale acknowledgement must not release it
    a.add("done", spans("done", "r"), 1, 1, 20_000);
    assertEquals(1, a.commitPosition(1));
    a.acknowledge(done);
    assertEquals(1, a.commitPosition(1));
    List<AssembledTrace> replayed = a.sweep(20_000 + IDLE);
    assertEquals(1, replayed.size());
    assertEquals(TraceVerdict.COMPLETE, replayed.get(0).verdict(), "not mistaken for a late update");
    a.acknowledge(replayed.get(0));
    assertEquals(2, a.commitPosition(1));
  }

  // --- misc -------------------------------------------------------------------------------------------------------

  @Test
  void emptyRecordOnlyAdvancesConsumption() {
    TraceAssembler a = assembler();
    assertTrue(a.add("t", List.of(), 0, 4, 0).isEmpty());
    assertEquals(0, a.bufferedTraces());
    assertEquals(5, a.commitPosition(0));
  }

  @Test
  void everyBufferedSpanIsEmittedExactlyOnce() {
    Random random = new Random(9);
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(IDLE, MAX_WAIT, 200, 25, 50, 1 << 20));
    Set<String> sent = new HashSet<>();
    List<String> received = new ArrayList<>();
    long now = 0;
    for (int i = 0; i < 3_000; i++) {
      now += random.nextInt(20);
      String traceId = "t" + random.nextInt(60);
      String id = "s" + i; // unique: no duplicates in this test
      String parent = random.nextInt(4) == 0 ? null : "s" + random.nextInt(i + 1);
      sent.add(traceId + "/" + id);
      for (AssembledTrace t : a.add(traceId, List.of(span(traceId, id, parent)), 0, i, now)) {
        t.spans().forEach(s -> received.add(t.traceId() + "/" + s.id()));
      }
      for (AssembledTrace t : a.sweep(now)) {
        t.spans().forEach(s -> received.add(t.traceId() + "/" + s.id()));
      }
    }
    for (AssembledTrace t : a.sweep(now + MAX_WAIT)) {
      t.spans().forEach(s -> received.add(t.traceId() + "/" + s.id()));
    }
    assertEquals(sent.size(), received.size(), "no span lost or emitted twice");
    assertEquals(sent, new HashSet<>(received));
    assertEquals(0, a.bufferedSpans());
  }
}
