package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceShapeTest {

  /** Builds the two parallel lists from "id:parent" pairs; "id" alone is a root. */
  private static TraceShape shape(String... spans) {
    List<String> ids = new ArrayList<>();
    List<String> parents = new ArrayList<>();
    for (String s : spans) {
      int colon = s.indexOf(':');
      ids.add(colon < 0 ? s : s.substring(0, colon));
      parents.add(colon < 0 ? null : s.substring(colon + 1));
    }
    return TraceShape.analyze(ids, parents);
  }

  private static void assertShape(TraceShape shape, int spans, int roots, int orphans, int cycles, int reachable) {
    assertEquals(spans, shape.spanCount(), "spans " + shape);
    assertEquals(roots, shape.rootCount(), "roots " + shape);
    assertEquals(orphans, shape.orphanCount(), "orphans " + shape);
    assertEquals(cycles, shape.cycleCount(), "cycles " + shape);
    assertEquals(reachable, shape.reachableFromRootCount(), "reachable " + shape);
  }

  @Test
  void treeWithOneRootIsComplete() {
    TraceShape s = shape("r", "a:r", "b:r", "c:a", "d:c");
    assertShape(s, 5, 1, 0, 0, 5);
    assertTrue(s.complete());
  }

  @Test
  void childrenListedBeforeParentsStillComplete() {
    TraceShape s = shape("d:c", "c:a", "b:r", "a:r", "r");
    assertShape(s, 5, 1, 0, 0, 5);
    assertTrue(s.complete());
  }

  @Test
  void singleRootIsComplete() {
    assertTrue(shape("r").complete());
  }

  @Test
  void emptyTraceIsNotComplete() {
    TraceShape s = TraceShape.analyze(List.of(), List.of());
    assertShape(s, 0, 0, 0, 0, 0);
    assertFalse(s.complete());
  }

  @Test
  void orphanSubtreesAreCountedByTheirHeads() {
    // x's parent is missing and y hangs under x: one orphan, two spans not reachable from the root
    TraceShape s = shape("r", "a:r", "x:missing", "y:x", "z:gone");
    assertShape(s, 5, 1, 2, 0, 2);
    assertFalse(s.complete());
  }

  @Test
  void severalRootsAreNotComplete() {
    TraceShape s = shape("r1", "r2", "a:r1", "b:r2");
    assertShape(s, 4, 2, 0, 0, 4);
    assertFalse(s.complete());
  }

  @Test
  void noRootAtAllIsNotComplete() {
    TraceShape s = shape("a:missing", "b:a");
    assertShape(s, 2, 0, 1, 0, 0);
    assertFalse(s.complete());
  }

  @Test
  void selfParentIsACycle() {
    TraceShape s = shape("r", "a:r", "loop:loop");
    assertShape(s, 3, 1, 0, 1, 2);
    assertFalse(s.complete());
  }

  @Test
  void distinctCyclesWithTailsAreCountedOnce() {
    // cycle 1: a->b->c->a with tail t1->t2->a; cycle 2: p<->q with tail u->p; plus a proper tree
    TraceShape s = shape("t2:t1", "a:c", "b:a", "t1:a", "c:b", "u:p", "p:q", "q:p", "r", "k:r");
    assertShape(s, 10, 1, 0, 2, 2);
    assertFalse(s.complete());
  }

  @Test
  void cycleCountDoesNotDependOnOrder() {
    List<String> ids = new ArrayList<>(List.of("a", "b", "c", "d", "e", "f", "g", "h", "r", "s"));
    List<String> parents = Arrays.asList("b", "c", "a", "a", "d", "g", "f", "h", null, "x");
    Random random = new Random(7);
    for (int round = 0; round < 50; round++) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, random);
      List<String> shuffledIds = new ArrayList<>();
      List<String> shuffledParents = new ArrayList<>();
      for (int i : order) {
        shuffledIds.add(ids.get(i));
        shuffledParents.add(parents.get(i));
      }
      // cycles: a-b-c (with d, e hanging off), f-g, h self; s is an orphan; r a lone root
      assertShape(TraceShape.analyze(shuffledIds, shuffledParents), 10, 1, 1, 3, 1);
    }
  }

  @Test
  void deepChainIsHandledIteratively() {
    int n = 10_000;
    List<String> ids = new ArrayList<>(n);
    List<String> parents = new ArrayList<>(n);
    // leaf first, root last: the first walk runs the whole depth
    for (int i = n - 1; i >= 0; i--) {
      ids.add("s" + i);
      parents.add(i == 0 ? null : "s" + (i - 1));
    }
    TraceShape s = TraceShape.analyze(ids, parents);
    assertShape(s, n, 1, 0, 0, n);
    assertTrue(s.complete());
  }

  @Test
  void deepCycleIsHandledIteratively() {
    int n = 10_000;
    List<String> ids = new ArrayList<>(n);
    List<String> parents = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add("s" + i);
      parents.add("s" + ((i + 1) % n));
    }
    assertShape(TraceShape.analyze(ids, parents), n, 0, 0, 1, 0);
  }

  @Test
  void wideFanOutIsComplete() {
    int n = 10_000;
    List<String> ids = new ArrayList<>(n);
    List<String> parents = new ArrayList<>(n);
    for (int i = 1; i < n; i++) {
      ids.add("c" + i);
      parents.add("root");
    }
    ids.add("root");
    parents.add(null);
    TraceShape s = TraceShape.analyze(ids, parents);
    assertShape(s, n, 1, 0, 0, n);
    assertTrue(s.complete());
  }

  @Test
  void repeatedIdIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> shape("a", "b:a", "a"));
  }

  @Test
  void listsOfDifferentSizeAreRejected() {
    assertThrows(IllegalArgumentException.class,
        () -> TraceShape.analyze(List.of("a", "b"), Collections.singletonList(null)));
  }
}
