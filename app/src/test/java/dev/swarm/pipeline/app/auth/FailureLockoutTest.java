package dev.swarm.pipeline.app.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.auth.FailureLockout.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FailureLockoutTest {
  final AtomicLong now = new AtomicLong(-5_000_000_000L); // nanoTime may be negative

  void advanceMillis(long ms) {
    now.addAndGet(ms * 1_000_000);
  }

  FailureLockout lockout(int failuresPerMinute, long lockoutMs, int maxAddresses) {
    return new FailureLockout(new Config(failuresPerMinute, lockoutMs, maxAddresses), now::get);
  }

  @Test
  void theNthFailureWithinAMinuteLocksTheAddressOutForTheLockout() {
    FailureLockout l = lockout(3, 60_000, 100);
    assertFalse(l.failed("10.0.0.1"));
    advanceMillis(20_000);
    assertFalse(l.failed("10.0.0.1"));
    assertEquals(0, l.lockedForNanos("10.0.0.1"));
    advanceMillis(20_000);
    assertTrue(l.failed("10.0.0.1"), "the third failure within a minute");
    assertEquals(60_000_000_000L, l.lockedForNanos("10.0.0.1"));
    assertEquals(0, l.lockedForNanos("10.0.0.2"), "other addresses are not affected");
    assertEquals(1, l.lockedOut());
    advanceMillis(59_999);
    assertEquals(1_000_000, l.lockedForNanos("10.0.0.1"));
    assertFalse(l.failed("10.0.0.1"), "a failure during the lockout does not extend it");
    advanceMillis(1);
    assertEquals(0, l.lockedForNanos("10.0.0.1"));
    assertEquals(0, l.lockedOut());
  }

  @Test
  void failuresSpreadOverMoreThanAMinuteDoNotLock() {
    FailureLockout l = lockout(3, 60_000, 100);
    assertFalse(l.failed("a"));
    assertFalse(l.failed("a"));
    advanceMillis(60_000);
    assertFalse(l.failed("a"), "a new window starts at the first failure after the last one ended");
    assertFalse(l.failed("a"));
    assertEquals(0, l.lockedForNanos("a"));
    assertTrue(l.failed("a"));
  }

  @Test
  void afterALockoutCountingStartsAfresh() {
    FailureLockout l = lockout(2, 1_000, 100);
    l.failed("a");
    assertTrue(l.failed("a"));
    advanceMillis(1_000);
    assertEquals(0, l.lockedForNanos("a"));
    assertFalse(l.failed("a"), "the window of the lockout's failures is not carried over");
    assertTrue(l.failed("a"));
    assertEquals(1_000_000_000L, l.lockedForNanos("a"));
  }

  @Test
  void theTableIsBoundedAndDropsTheOldestWindowsFirst() {
    FailureLockout l = lockout(2, 60_000, 3);
    l.failed("a");
    assertTrue(l.failed("a"), "a locked out");
    advanceMillis(1);
    l.failed("b");
    advanceMillis(1);
    l.failed("c");
    assertEquals(3, l.addresses());
    l.failed("d");
    assertEquals(3, l.addresses(), "never more than the cap");
    assertEquals(1, l.dropped(), "a was dropped though locked out: its window is the oldest");
    assertEquals(0, l.lockedForNanos("a"));
    assertTrue(l.failed("b"), "b's count survived");
    for (int i = 0; i < 10_000; i++) {
      l.failed("flood-" + i);
    }
    assertEquals(3, l.addresses());
  }

  @Test
  void windowsThatAreOverMakeRoomBeforeAnyLiveOneIsDropped() {
    FailureLockout l = lockout(5, 1_000, 3);
    l.failed("a");
    l.failed("b");
    advanceMillis(61_000);
    l.failed("c");
    assertEquals(1, l.addresses(), "a and b are over: dropped as c arrived");
    l.failed("d");
    l.failed("e");
    assertEquals(3, l.addresses());
    assertEquals(0, l.dropped());
  }

  @Test
  void manyThreadsCountEveryFailureOnce() throws Exception {
    FailureLockout l = lockout(4_000, 60_000, 1_000);
    AtomicInteger locks = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        tasks.add(() -> {
          for (int i = 0; i < 1_000; i++) {
            if (l.failed("shared")) {
              locks.incrementAndGet();
            }
            l.lockedForNanos("shared");
          }
          return null;
        });
      }
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, locks.get(), "exactly the 4000th failure locked the address out");
    assertTrue(l.lockedForNanos("shared") > 0);
  }
}
