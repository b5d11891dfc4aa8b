package dev.swarm.pipeline.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  @Test
  void nothingConsumedMeansNothingToCommit() {
    assertEquals(-1, new OffsetTracker().commitPosition());
  }

  @Test
  void withoutHoldsTheNextOffsetAfterTheHighestConsumedIsCommitted() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.consumed(4);
    tracker.consumed(2); // out of order does not move it back
    assertEquals(5, tracker.commitPosition());
  }

  @Test
  void commitStopsAtTheLowestHeldOffset() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.hold(3);
    tracker.hold(7);
    tracker.consumed(9);
    assertEquals(3, tracker.commitPosition());
    tracker.release(7);
    assertEquals(3, tracker.commitPosition());
    tracker.release(3);
    assertEquals(10, tracker.commitPosition());
  }

  @Test
  void anOffsetHeldTwiceNeedsTwoReleases() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.hold(5);
    tracker.hold(5);
    tracker.release(5);
    assertEquals(5, tracker.commitPosition());
    assertEquals(1, tracker.heldOffsets());
    tracker.release(5);
    assertEquals(6, tracker.commitPosition());
    assertEquals(0, tracker.heldOffsets());
  }

  @Test
  void releasingAnOffsetNotHeldChangesNothing() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.hold(1);
    tracker.release(2);
    assertEquals(1, tracker.commitPosition());
  }
}
