package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DropOldestBufferTest {

  @Test
  void keepsItemsInArrivalOrderBelowCapacity() {
    DropOldestBuffer<Integer> buffer = new DropOldestBuffer<>(3);
    assertEquals(0, buffer.offer(1));
    assertEquals(0, buffer.offer(2));
    assertEquals(2, buffer.size());
    assertEquals(List.of(1, 2), buffer.drain(10));
    assertEquals(0, buffer.size());
    assertEquals(0, buffer.dropped());
  }

  @Test
  void dropsTheOldestWhenFullAndCountsIt() {
    DropOldestBuffer<Integer> buffer = new DropOldestBuffer<>(3);
    for (int i = 1; i <= 3; i++) {
      buffer.offer(i);
    }
    assertEquals(1, buffer.offer(4));
    assertEquals(1, buffer.offer(5));
    assertEquals(3, buffer.size());
    assertEquals(2, buffer.dropped());
    assertEquals(List.of(3, 4, 5), buffer.drain(10));
  }

  @Test
  void neverHoldsMoreThanItsCapacity() {
    DropOldestBuffer<Integer> buffer = new DropOldestBuffer<>(100);
    for (int i = 0; i < 100_000; i++) {
      buffer.offer(i);
    }
    assertEquals(100, buffer.size());
    assertEquals(99_900, buffer.dropped());
    assertEquals(99_900, buffer.drain(1).get(0));
  }

  @Test
  void drainTakesAtMostTheRequestedNumberOldestFirst() {
    DropOldestBuffer<Integer> buffer = new DropOldestBuffer<>(10);
    for (int i = 0; i < 7; i++) {
      buffer.offer(i);
    }
    assertEquals(List.of(0, 1, 2), buffer.drain(3));
    assertEquals(List.of(3, 4, 5, 6), buffer.drain(30));
    assertEquals(List.of(), buffer.drain(5));
  }

  @Test
  void refusesANonPositiveCapacity() {
    assertThrows(IllegalArgumentException.class, () -> new DropOldestBuffer<>(0));
  }
}
