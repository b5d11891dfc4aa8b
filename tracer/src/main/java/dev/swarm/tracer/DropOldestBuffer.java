package dev.swarm.tracer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded FIFO that never refuses an item: when full, the oldest item is dropped and counted. Old spans are
 * the least useful ones to keep while the pipeline is unreachable. Thread-safe; operations are O(1) apart from
 * draining.
 */
public final class DropOldestBuffer<T> {
  private final int capacity;
  private final ArrayDeque<T> items;
  private long dropped;

  public DropOldestBuffer(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.items = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** Adds the item; returns how many items were dropped to make room (0 or 1). */
  public synchronized int offer(T item) {
    int droppedNow = 0;
    if (items.size() == capacity) {
      items.pollFirst();
      dropped++;
      droppedNow = 1;
    }
    items.addLast(item);
    return droppedNow;
  }

  /** Removes and returns up to {@code max} items, oldest first. */
  public synchronized List<T> drain(int max) {
    int n = Math.min(max, items.size());
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(items.pollFirst());
    }
    return out;
  }

  public synchronized int size() {
    return items.size();
  }

  public int capacity() {
    return capacity;
  }

  /** Items dropped since creation because the buffer was full. */
  public synchronized long dropped() {
    return dropped;
  }
}
