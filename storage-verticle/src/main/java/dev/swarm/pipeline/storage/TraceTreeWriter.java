package dev.swarm.pipeline.storage;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one trace's spans as a tree: the {@code root} span with nested {@code children} (ordered by start
 * time) and {@code orphans}, the other subtrees. Every span appears exactly once: under its parent when the
 * parent is in the trace; else as an orphan subtree (parent missing), an extra root, or a cycle cut where it
 * would repeat. Built and written iteratively with an explicit stack, so a trace 10,000 spans deep is no risk.
 */
final class TraceTreeWriter {

  private final List<StoredSpan> spans;
  private final int[][] children;
  private final int primaryRoot;
  private final List<Integer> orphanHeads = new ArrayList<>();
  private final boolean[] written;

  TraceTreeWriter(List<StoredSpan> spans) {
    this.spans = spans;
    int n = spans.size();
    this.written = new boolean[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing((Integer i) -> spans.get(i).startTime()).thenComparing(i -> spans.get(i).id()));
    Map<String, Integer> indexById = new HashMap<>(Math.max(16, n * 2));
    for (int i = 0; i < n; i++) {
      indexById.putIfAbsent(spans.get(i).id(), i);
    }
    int[] childCount = new int[n];
    int[] parentOf = new int[n];
    for (int i = 0; i < n; i++) {
      String parentId = spans.get(i).parentSpanId();
      Integer p = parentId == null ? null : indexById.get(parentId);
      parentOf[i] = p == null ? -1 : p;
      if (p != null) {
        childCount[p]++;
      }
    }
    children = new int[n][];
    for (int i = 0; i < n; i++) {
      children[i] = new int[childCount[i]];
    }
    int[] filled = new int[n];
    int firstRoot = -1;
    List<Integer> extraRoots = new ArrayList<>();
    for (int i : order) {
      if (parentOf[i] >= 0) {
        children[parentOf[i]][filled[parentOf[i]]++] = i; // in start order, as `order` is
      } else if (spans.get(i).parentSpanId() == null) {
        if (firstRoot < 0) {
          firstRoot = i;
        } else {
          extraRoots.add(i);
        }
      } else {
        orphanHeads.add(i); // parent not in the trace
      }
    }
    primaryRoot = firstRoot;
    orphanHeads.addAll(extraRoots);
    addCycleHeads(order, parentOf);
  }

  /**
   * Spans not reachable from a root or an orphan head hang in or under a parent cycle. For each, walk up
   * the parents until a span repeats: that span is on the cycle and heads the subtree written for it.
   */
  private void addCycleHeads(Integer[] order, int[] parentOf) {
    int n = spans.size();
    boolean[] reachable = new boolean[n];
    int[] stack = new int[n];
    List<Integer> heads = new ArrayList<>(orphanHeads);
    if (primaryRoot >= 0) {
      heads.add(primaryRoot);
    }
    for (int head : heads) {
      markReachable(head, reachable, stack);
    }
    int[] walkOf = new int[n];
    int walk = 0;
    for (int start : order) {
      if (reachable[start]) {
        continue;
      }
      walk++;
      int current = start;
      while (walkOf[current] != walk) {
        walkOf[current] = walk;
        current = parentOf[current]; // never -1: such a chain would have ended at a root or orphan head
      }
      orphanHeads.add(current);
      markReachable(current, reachable, stack);
    }
  }

  private void markReachable(int head, boolean[] reachable, int[] stack) {
    if (reachable[head]) {
      return;
    }
    int top = 0;
    stack[top++] = head;
    reachable[head] = true;
    while (top > 0) {
      int node = stack[--top];
      for (int child : children[node]) {
        if (!reachable[child]) {
          reachable[child] = true;
          stack[top++] = child;
        }
      }
    }
  }

  /** Writes the fields {@code root} (null when the trace has no root span) and {@code orphans}. */
  void writeFields(JsonGenerator gen) throws IOException {
    gen.writeFieldName("root");
    if (primaryRoot >= 0) {
      writeSubtree(gen, primaryRoot);
    } else {
      gen.writeNull();
    }
    gen.writeArrayFieldStart("orphans");
    for (int head : orphanHeads) {
      writeSubtree(gen, head);
    }
    gen.writeEndArray();
  }

  /** The subtree under {@code head}, depth-first with an explicit stack; a span already written is skipped. */
  private void writeSubtree(JsonGenerator gen, int head) throws IOException {
    int n = spans.size();
    int[] nodeStack = new int[n];
    int[] nextChild = new int[n];
    int top = 0;
    openSpan(gen, head);
    nodeStack[top] = head;
    nextChild[top] = 0;
    top++;
    while (top > 0) {
      int node = nodeStack[top - 1];
      int[] kids = children[node];
      if (nextChild[top - 1] < kids.length) {
        int child = kids[nextChild[top - 1]++];
        if (written[child]) {
          continue; // the cut that ends a cycle
        }
        openSpan(gen, child);
        nodeStack[top] = child;
        nextChild[top] = 0;
        top++;
      } else {
        gen.writeEndArray(); // children
        gen.writeEndObject();
        top--;
      }
    }
  }

  /** Writes the span's contract fields and opens its {@code children} array. */
  private void openSpan(JsonGenerator gen, int index) throws IOException {
    written[index] = true;
    writeSpanFields(gen, spans.get(index));
    gen.writeArrayFieldStart("children");
  }

  /** Starts an object and writes the span's fields in contract order, leaving the object open. */
  static void writeSpanFields(JsonGenerator gen, StoredSpan s) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("id", s.id());
    gen.writeStringField("trace_id", s.traceId());
    writeOptional(gen, "parent_span_id", s.parentSpanId());
    gen.writeStringField("span_name", s.spanName());
    writeOptional(gen, "span_kind", s.spanKind());
    writeOptional(gen, "status", s.status());
    gen.writeStringField("start_time", s.startTime());
    writeOptional(gen, "end_time", s.endTime());
    if (s.durationMs() != null) {
      gen.writeNumberField("duration_ms", s.durationMs());
    }
    writeOptional(gen, "tenant_id", s.tenantId());
    writeOptional(gen, "ticket_id", s.ticketId());
    writeOptional(gen, "agent_id", s.agentId());
    gen.writeFieldName("attributes");
    gen.writeRawValue(s.attributesJson() == null ? "{}" : s.attributesJson());
    gen.writeFieldName("events");
    gen.writeRawValue(s.eventsJson() == null ? "[]" : s.eventsJson());
  }

  private static void writeOptional(JsonGenerator gen, String field, String value) throws IOException {
    if (value != null) {
      gen.writeStringField(field, value);
    }
  }
}
