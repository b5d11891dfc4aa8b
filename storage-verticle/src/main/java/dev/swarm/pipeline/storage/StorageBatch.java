package dev.swarm.pipeline.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The records consumed for the next write: their decoded messages, and per partition the offset to commit once
 * they are in SQLite (last record's offset + 1). Records that failed to decode advance the offsets too, so a bad
 * record is skipped rather than read forever. Event-loop confined.
 */
final class StorageBatch {

  private final StorageBatchPolicy policy;
  private final List<TraceMessage> messages = new ArrayList<>();
  private final Map<Integer, Long> nextOffsets = new HashMap<>();

  StorageBatch(int maxSpans, long maxMillis) {
    this.policy = new StorageBatchPolicy(maxSpans, maxMillis);
  }

  /** Adds one consumed record; {@code message} is null when the record could not be decoded. */
  void add(int partition, long offset, TraceMessage message, long nowMillis) {
    policy.add(message == null ? 0 : message.spans().size(), nowMillis);
    if (message != null) {
      messages.add(message);
    }
    nextOffsets.merge(partition, offset + 1, Math::max);
  }

  boolean isDue(long nowMillis) {
    return policy.isDue(nowMillis);
  }

  boolean isFull() {
    return policy.isFull();
  }

  boolean isEmpty() {
    return policy.isEmpty();
  }

  int spans() {
    return policy.spans();
  }

  List<TraceMessage> messages() {
    return messages;
  }

  /** Partition to the offset to commit for it. */
  Map<Integer, Long> nextOffsets() {
    return nextOffsets;
  }
}
