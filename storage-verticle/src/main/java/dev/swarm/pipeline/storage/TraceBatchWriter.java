package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.TraceRecord;
import io.vertx.core.Future;
import java.util.List;

/**
 * What a storage backend's writer does, the same on every backend: a batch of assembled traces (and late updates)
 * is written in one transaction, idempotently (a replayed span stays one row; a trace keeps one summary, recomputed
 * when late spans arrive), and the future succeeds only once the batch is durable. A failed batch left nothing
 * behind, so {@link RetryingTraceWriter} may write it again. SQLite's {@link TraceWriter} and PostgreSQL's writer
 * (storage-postgres) implement it, and the storage contract suite holds both to the same scenarios.
 */
public interface TraceBatchWriter {
  Future<WriteResult> write(List<TraceRecord> batch);

  Future<Void> close();
}
