package dev.swarm.pipeline.aggregator;

import java.util.Map;
import java.util.TreeMap;

/**
 * Per-partition bookkeeping for at-least-once delivery: which consumed offsets are still needed because a trace
 * built from them has not been acknowledged downstream. The commit position never passes the lowest held offset,
 * so after a crash every record behind an unacknowledged trace is read again.
 */
public final class OffsetTracker {
  /** Held offset → number of holders (several traces can be created by one record). */
  private final TreeMap<Long, Integer> held = new TreeMap<>();
  private long highestConsumed = -1;

  /** Notes that the record at this offset was read (whether or not anything holds it). */
  public void consumed(long offset) {
    if (offset > highestConsumed) {
      highestConsumed = offset;
    }
  }

  /** Adds one holder of the offset; also counts it as consumed. */
  public void hold(long offset) {
    consumed(offset);
    held.merge(offset, 1, Integer::sum);
  }

  /** Removes one holder of the offset; releasing an offset that is not held does nothing. */
  public void release(long offset) {
    held.computeIfPresent(offset, (k, count) -> count == 1 ? null : count - 1);
  }

  /**
   * The offset to commit, i.e. the next one a restarted consumer should read: the lowest offset still held, or the
   * highest consumed + 1 when nothing is held, or -1 when nothing was consumed.
   */
  public long commitPosition() {
    Map.Entry<Long, Integer> lowest = held.firstEntry();
    if (lowest != null) {
      return lowest.getKey();
    }
    return highestConsumed < 0 ? -1 : highestConsumed + 1;
  }

  /** Number of distinct offsets held. */
  public int heldOffsets() {
    return held.size();
  }

  public long highestConsumed() {
    return highestConsumed;
  }
}
