package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StorageBatchTest {

  @Test
  void commitsTheOffsetAfterTheLastRecordOfEachPartition() {
    StorageBatch batch = new StorageBatch(100, 200);
    TraceRecord m = message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0), span("t1", "c", "r", "b", 1)));
    batch.add(0, 10, m, 0);
    batch.add(1, 3, m, 0);
    batch.add(0, 11, m, 0);
    assertEquals(Map.of(0, 12L, 1, 4L), batch.nextOffsets());
    assertEquals(6, batch.spans());
    assertEquals(3, batch.messages().size());
  }

  @Test
  void anUndecodableRecordIsSkippedButItsOffsetStillAdvances() {
    StorageBatch batch = new StorageBatch(100, 200);
    batch.add(2, 41, null, 1000);
    assertFalse(batch.isEmpty());
    assertEquals(0, batch.spans());
    assertEquals(List.of(), batch.messages());
    assertEquals(Map.of(2, 42L), batch.nextOffsets());
    assertFalse(batch.isDue(1199));
    assertTrue(batch.isDue(1200)); // still written (as nothing) so the offset gets committed
  }

  @Test
  void fullByTheSpansOfItsMessages() {
    StorageBatch batch = new StorageBatch(3, 10_000);
    batch.add(0, 0, message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0), span("t1", "c", "r", "b", 1))), 0);
    assertFalse(batch.isFull());
    batch.add(0, 1, message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "a", 0))), 0);
    assertTrue(batch.isFull());
    assertTrue(batch.isDue(0));
  }
}
