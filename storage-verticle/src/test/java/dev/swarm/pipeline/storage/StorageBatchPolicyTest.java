package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StorageBatchPolicyTest {

  @Test
  void emptyBatchIsNeverDue() {
    StorageBatchPolicy policy = new StorageBatchPolicy(100, 200);
    assertTrue(policy.isEmpty());
    assertFalse(policy.isDue(1_000_000));
    assertEquals(-1, policy.millisUntilDue(0));
  }

  @Test
  void dueWhenTheSpanLimitIsReached() {
    StorageBatchPolicy policy = new StorageBatchPolicy(100, 200);
    policy.add(60, 1000);
    assertFalse(policy.isDue(1000));
    assertEquals(200, policy.millisUntilDue(1000));
    policy.add(40, 1001);
    assertTrue(policy.isFull());
    assertTrue(policy.isDue(1001));
    assertEquals(0, policy.millisUntilDue(1001));
    assertEquals(2, policy.records());
    assertEquals(100, policy.spans());
  }

  @Test
  void dueWhenTheFirstRecordIsOldEnough() {
    StorageBatchPolicy policy = new StorageBatchPolicy(5000, 200);
    policy.add(3, 1000);
    policy.add(3, 1150); // later records do not extend the deadline
    assertFalse(policy.isDue(1199));
    assertEquals(1, policy.millisUntilDue(1199));
    assertTrue(policy.isDue(1200));
  }

  @Test
  void aRecordLargerThanTheLimitMakesABatchOfItsOwn() {
    StorageBatchPolicy policy = new StorageBatchPolicy(10, 200);
    policy.add(25, 0);
    assertTrue(policy.isDue(0));
  }

  @Test
  void resetStartsANewBatchWithANewDeadline() {
    StorageBatchPolicy policy = new StorageBatchPolicy(10, 200);
    policy.add(10, 0);
    policy.reset();
    assertTrue(policy.isEmpty());
    assertEquals(0, policy.spans());
    policy.add(1, 500);
    assertFalse(policy.isDue(699));
    assertTrue(policy.isDue(700));
  }

  @Test
  void aRecordWithoutSpansStillStartsTheClock() {
    StorageBatchPolicy policy = new StorageBatchPolicy(10, 200);
    policy.add(0, 0);
    assertFalse(policy.isEmpty());
    assertTrue(policy.isDue(200));
  }

  @Test
  void rejectsNonsenseLimits() {
    assertThrows(IllegalArgumentException.class, () -> new StorageBatchPolicy(0, 200));
    assertThrows(IllegalArgumentException.class, () -> new StorageBatchPolicy(10, -1));
  }
}
