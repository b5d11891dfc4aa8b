package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.TraceRecord;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The traces for the next write: their decoded messages and what to do once they are in SQLite. For traces
 * consumed from the traces topic that is committing, per partition, the last record's offset + 1 (records that
 * failed to decode advance the offsets too, so a bad record is skipped rather than read forever); for traces
 * handed over in the same process ({@link StorageVerticle#store}) it is completing their promises. Event-loop
 * confined.
 */
final class StorageBatch {

  private final StorageBatchPolicy policy;
  private final List<TraceRecord> messages = new ArrayList<>();
  private final Map<Integer, Long> nextOffsets = new HashMap<>();
  private final List<Promise<Void>> completions = new ArrayList<>();

  StorageBatch(int maxSpans, long maxMillis) {
    this.policy = new StorageBatchPolicy(maxSpans, maxMillis);
  }

  /** Adds one consumed record; {@code message} is null when the record could not be decoded. */
  void add(int partition, long offset, TraceRecord message, long nowMillis) {
    policy.add(message == null ? 0 : message.spans().size(), nowMillis);
    if (message != null) {
      messages.add(message);
    }
    nextOffsets.merge(partition, offset + 1, Math::max);
  }

  /** Adds one trace handed over in process; {@code committed} is completed once the batch is in SQLite. */
  void add(TraceRecord message, Promise<Void> committed, long nowMillis) {
    policy.add(message.spans().size(), nowMillis);
    messages.add(message);
    completions.add(committed);
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

  List<TraceRecord> messages() {
    return messages;
  }

  /** The promises of the traces handed over in process, to complete once the batch is committed. */
  List<Promise<Void>> completions() {
    return completions;
  }

  /** Partition to the offset to commit for it. */
  Map<Integer, Long> nextOffsets() {
    return nextOffsets;
  }
}
