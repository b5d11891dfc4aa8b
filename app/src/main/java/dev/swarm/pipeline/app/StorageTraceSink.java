package dev.swarm.pipeline.app;

import dev.swarm.pipeline.aggregator.AssembledTrace;
import dev.swarm.pipeline.aggregator.TraceSink;
import dev.swarm.pipeline.aggregator.UnstorableTraceException;
import dev.swarm.pipeline.schema.InvalidTraceRecordException;
import dev.swarm.pipeline.storage.StorageVerticle;
import io.vertx.core.Future;
import java.util.Objects;

/**
 * The aggregator's sink when storage runs in the same process: each assembled trace goes to the storage writer in
 * memory, as the same record the traces topic would carry, and is durable once its SQLite transaction committed.
 * One Kafka hop fewer than the split deployment: no produce, no broker write, no second fetch.
 */
final class StorageTraceSink implements TraceSink {
  private final StorageVerticle storage;

  StorageTraceSink(StorageVerticle storage) {
    this.storage = Objects.requireNonNull(storage, "storage");
  }

  @Override
  public Future<Void> store(AssembledTrace trace) {
    return storage.store(trace.toJson(), true).recover(e -> Future.failedFuture(e instanceof InvalidTraceRecordException
        ? new UnstorableTraceException("storage cannot read it: " + e.getMessage(), e) : e));
  }

  @Override
  public long maxPendingSpans() {
    return storage.maxPendingSpans();
  }

  @Override
  public String describe() {
    return "storage in this process";
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture(); // storage is stopped after the aggregator, by its own undeploy
  }
}
