package dev.swarm.pipeline.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Where storage keeps traces, behind the three things the storage verticle needs of it: a writer
 * ({@link TraceBatchWriter}), retention ({@link RetentionSteps}) and the query API's reads
 * ({@link TraceQueryService}). SQLite ({@link SqliteBackend}, the default) or PostgreSQL (storage-postgres'
 * {@code PostgresBackend}), chosen by STORAGE_BACKEND. The verticle's batching, retries, offsets, metrics and
 * readiness are the same on both.
 */
public interface StorageBackend {

  /** Opens a backend for a storage verticle: migrates the schema, opens the pools. */
  @FunctionalInterface
  interface Opener {
    /**
     * @param writes false for a storage that only serves reads (no writer is opened, no retention runs)
     */
    Future<StorageBackend> open(Vertx vertx, StorageConfig config, boolean writes);
  }

  /** The database's size and its filesystem's, as far as the backend can see them; -1 where it cannot. */
  record DiskUse(long databaseBytes, long walBytes, long filesystemFreeBytes, long filesystemTotalBytes) {}

  /** Names the store in logs and readiness messages: {@code SQLite data/swarm.db}, {@code PostgreSQL host:5432/db}. */
  String describe();

  /** The writer; null when opened without writes. */
  TraceBatchWriter writer();

  /** Retention run on the writer's schedule; null when off or opened without writes. */
  RetentionSteps retention();

  TraceQueryService queryService();

  /** The current sizes; may block (call it from a worker). */
  DiskUse measureDisk();

  /** Closes the writer, the pools and anything else opened (the verticle calls it once, on stop). */
  Future<Void> close();
}
