package dev.swarm.pipeline.storage;

import io.vertx.core.Future;

/**
 * A backend's way of keeping within TRACE_RETENTION and STORAGE_MAX_BYTES, one small step at a time: the storage
 * writer's schedule runs a step between write batches (every {@link RetentionConfig#checkIntervalMs()}, and back to
 * back while a step says there is more), so retention and writes never run at once on one writer.
 */
public interface RetentionSteps {

  RetentionConfig config();

  /** One step: what it deleted and what it saw ({@link TraceRetention.Step}). */
  Future<TraceRetention.Step> step();

  /**
   * Gives free space beyond {@link RetentionConfig#freeSlackBytes()} back to the filesystem after a step that saw
   * more; returns the bytes given back (0 where the backend frees space by itself).
   */
  Future<Long> vacuum();
}
