package dev.swarm.pipeline.schema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The structure of one trace's parent links: roots, orphans (spans whose parent is not in the trace), cycles and
 * how many spans hang off a root. Shared by the aggregator (deciding when a trace is complete) and storage
 * (recomputing the verdict after merging late spans).
 *
 * <p>Each span has at most one parent, so the parent links form a functional graph: following parents from any span
 * ends at a root, at an orphan (parent missing), or in a cycle, and every component without a root or orphan holds
 * exactly one cycle. One iterative walk per unvisited span, labelling every span it passes with where that walk ended,
 * therefore visits each span once: O(n) time, no recursion, so deep chains cannot overflow the stack.
 */
public final class TraceShape {

  private static final int PARENT_NONE = -1; // root: no parent id
  private static final int PARENT_MISSING = -2; // orphan: parent id not among the trace's spans

  private static final byte UNKNOWN = 0;
  private static final byte ROOTED = 1;
  private static final byte UNROOTED = 2;

  private final int spanCount;
  private final int rootCount;
  private final int orphanCount;
  private final int cycleCount;
  private final int reachableFromRootCount;

  private TraceShape(int spanCount, int rootCount, int orphanCount, int cycleCount, int reachableFromRootCount) {
    this.spanCount = spanCount;
    this.rootCount = rootCount;
    this.orphanCount = orphanCount;
    this.cycleCount = cycleCount;
    this.reachableFromRootCount = reachableFromRootCount;
  }

  /**
   * Analyses one trace.
   *
   * @param ids span ids, unique
   * @param parentIds parent span id of the span at the same index; null for a root
   * @throws IllegalArgumentException when the lists differ in size, an id is null or an id repeats
   */
  public static TraceShape analyze(List<String> ids, List<String> parentIds) {
    int n = ids.size();
    if (parentIds.size() != n) {
      throw new IllegalArgumentException("ids and parentIds differ in size: " + n + " vs " + parentIds.size());
    }
    Map<String, Integer> indexById = new HashMap<>(Math.max(16, (int) (n / 0.75f) + 1));
    for (int i = 0; i < n; i++) {
      String id = ids.get(i);
      if (id == null) {
        throw new IllegalArgumentException("span id at index " + i + " is null");
      }
      if (indexById.putIfAbsent(id, i) != null) {
        throw new IllegalArgumentException("span id repeats: " + id);
      }
    }

    int[] parent = new int[n];
    int roots = 0;
    int orphans = 0;
    for (int i = 0; i < n; i++) {
      String parentId = parentIds.get(i);
      if (parentId == null) {
        parent[i] = PARENT_NONE;
        roots++;
      } else {
        Integer p = indexById.get(parentId);
        if (p == null) {
          parent[i] = PARENT_MISSING;
          orphans++;
        } else {
          parent[i] = p;
        }
      }
    }

    byte[] status = new byte[n];
    int[] walkOf = new int[n]; // walk number (1-based) that first entered the span; 0 = not entered yet
    int[] path = new int[n]; // spans entered by the current walk; each span is pushed once over all walks
    int cycles = 0;
    int rooted = 0;
    int walk = 0;
    for (int start = 0; start < n; start++) {
      if (status[start] != UNKNOWN) {
        continue;
      }
      walk++;
      int depth = 0;
      int current = start;
      byte end;
      while (true) {
        if (status[current] != UNKNOWN) {
          end = status[current]; // joined a path resolved by an earlier walk
          break;
        }
        if (walkOf[current] == walk) {
          cycles++; // came back to a span of this walk
          end = UNROOTED;
          break;
        }
        walkOf[current] = walk;
        path[depth++] = current;
        int p = parent[current];
        if (p == PARENT_NONE) {
          end = ROOTED;
          break;
        }
        if (p == PARENT_MISSING) {
          end = UNROOTED;
          break;
        }
        current = p;
      }
      for (int k = 0; k < depth; k++) {
        status[path[k]] = end;
      }
      if (end == ROOTED) {
        rooted += depth;
      }
    }
    return new TraceShape(n, roots, orphans, cycles, rooted);
  }

  public int spanCount() {
    return spanCount;
  }

  /** Spans without a parent id. */
  public int rootCount() {
    return rootCount;
  }

  /** Spans whose parent id is not in the trace: the heads of headless subtrees. */
  public int orphanCount() {
    return orphanCount;
  }

  /** Distinct cycles of parent links; a span that is its own parent is one. */
  public int cycleCount() {
    return cycleCount;
  }

  /** Spans from which following parent links ends at a root (roots included). */
  public int reachableFromRootCount() {
    return reachableFromRootCount;
  }

  /** Exactly one root and every span reachable from it (so no orphans and no cycles). */
  public boolean complete() {
    return rootCount == 1 && reachableFromRootCount == spanCount;
  }

  @Override
  public String toString() {
    return "TraceShape{spans=" + spanCount + ", roots=" + rootCount + ", orphans=" + orphanCount
        + ", cycles=" + cycleCount + ", reachableFromRoot=" + reachableFromRootCount + '}';
  }
}
