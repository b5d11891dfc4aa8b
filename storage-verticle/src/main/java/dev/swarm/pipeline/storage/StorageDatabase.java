package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.kafka.LogRateLimit;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open trace database: migrated schema, single-connection writer pools on demand, a small reader pool (WAL
 * lets readers run beside the writer) and periodic background WAL checkpoints.
 */
public final class StorageDatabase {

  private static final Logger LOG = LoggerFactory.getLogger(StorageDatabase.class);

  /** Searches that may wait per search connection before more are refused. */
  public static final int SEARCH_QUEUE_PER_CONNECTION = 4;
  /** Connections kept for reads of one trace by id. */
  public static final int POINT_READ_CONNECTIONS = 2;

  private final Vertx vertx;
  private final SqliteSettings settings;
  private final Pool readerPool;
  private final Pool pointReaderPool;
  private final Pool scanReaderPool;
  private final WorkerExecutor checkpointExecutor;
  private final WalCheckpointer checkpointer;
  private final AtomicBoolean checkpointRunning = new AtomicBoolean();
  private final LogRateLimit checkpointLog = new LogRateLimit(1, 60_000);
  private final long checkpointTimer;

  private StorageDatabase(Vertx vertx, SqliteSettings settings, int readerPoolSize, long queryTimeoutMs,
      long checkpointIntervalMs) {
    this.vertx = vertx;
    this.settings = settings;
    // Searches wait for one of readerPoolSize connections, at most SEARCH_QUEUE_PER_CONNECTION each; past that they
    // fail at once (503) instead of queueing for ever behind heavy ones. Reads by id have connections of their own.
    this.readerPool = JDBCPool.pool(vertx, settings.readerDataSource(queryTimeoutMs),
        new PoolOptions().setMaxSize(readerPoolSize).setMaxWaitQueueSize(SEARCH_QUEUE_PER_CONNECTION * readerPoolSize)
            .setName("trace-storage-readers"));
    this.pointReaderPool = JDBCPool.pool(vertx, settings.readerDataSource(queryTimeoutMs),
        new PoolOptions().setMaxSize(POINT_READ_CONNECTIONS).setName("trace-storage-point-readers"));
    // Scans (span-name and tag searches) get half as many connections again, with the same bounded queue, so
    // however many run, the indexed searches keep their own connections.
    int scanConnections = scanConnections(readerPoolSize);
    this.scanReaderPool = JDBCPool.pool(vertx, settings.readerDataSource(queryTimeoutMs),
        new PoolOptions().setMaxSize(scanConnections).setMaxWaitQueueSize(SEARCH_QUEUE_PER_CONNECTION * scanConnections)
            .setName("trace-storage-scan-readers"));
    this.checkpointExecutor = vertx.createSharedWorkerExecutor("trace-storage-checkpoint-" + settings.path(), 1);
    this.checkpointer = new WalCheckpointer(settings);
    this.checkpointTimer = checkpointIntervalMs > 0 ? vertx.setPeriodic(checkpointIntervalMs, id -> checkpoint()) : -1;
  }

  /**
   * Migrates the schema (on a worker thread), then opens the pools.
   *
   * @param readerPoolSize connections of the query API's pool
   * @param queryTimeoutMs a query API statement running longer is interrupted
   * @param checkpointIntervalMs period of background WAL checkpoints; 0 leaves them to the writer's own
   *     auto-checkpoint backstop
   */
  public static Future<StorageDatabase> open(Vertx vertx, SqliteSettings settings, int readerPoolSize,
      long queryTimeoutMs, long checkpointIntervalMs) {
    Objects.requireNonNull(settings, "settings");
    if (readerPoolSize <= 0 || queryTimeoutMs <= 0 || checkpointIntervalMs < 0) {
      throw new IllegalArgumentException("readerPoolSize and queryTimeoutMs must be positive,"
          + " checkpointIntervalMs not negative");
    }
    return vertx.executeBlocking(() -> {
      List<String> applied = SqliteSchema.migrate(settings);
      if (!applied.isEmpty()) {
        LOG.info("migrated {} to schema versions {}", settings.path(), applied);
      }
      return applied;
    }).map(applied -> new StorageDatabase(vertx, settings, readerPoolSize, queryTimeoutMs, checkpointIntervalMs));
  }

  public SqliteSettings settings() {
    return settings;
  }

  /**
   * A new single-connection pool for the one writer (see {@link TraceWriter}, which replaces its pool after a
   * failed write). The caller closes it.
   */
  public Pool newWriterPool() {
    return JDBCPool.pool(vertx, settings.writerDataSource(), new PoolOptions().setMaxSize(1));
  }

  /** query_only connections for the query API's searches. */
  public Pool readerPool() {
    return readerPool;
  }

  /** query_only connections for reads of one trace by id. */
  public Pool pointReaderPool() {
    return pointReaderPool;
  }

  /** query_only connections for searches that probe each candidate trace's spans. */
  public Pool scanReaderPool() {
    return scanReaderPool;
  }

  /** The three lanes of the query API. */
  public ReadPools readPools() {
    return new ReadPools(readerPool, scanReaderPool, pointReaderPool);
  }

  /** Connections for scans beside {@code readerPoolSize} search connections: half as many, at least one. */
  public static int scanConnections(int readerPoolSize) {
    return Math.max(1, readerPoolSize / 2);
  }

  /** Starts a background PASSIVE checkpoint unless one is running. */
  public void checkpoint() {
    if (!checkpointRunning.compareAndSet(false, true)) {
      return;
    }
    checkpointExecutor.executeBlocking(checkpointer::checkpoint, false)
        .onComplete(ar -> {
          checkpointRunning.set(false);
          long leftOut;
          if (ar.failed() && (leftOut = checkpointLog.tryAcquire()) >= 0) {
            LOG.warn("WAL checkpoint of {} failed (the writer's auto-checkpoint remains as backstop): {}{}",
                settings.path(), ar.cause().toString(), LogRateLimit.leftOut(leftOut));
          }
        });
  }

  /** Closes the reader pool and the checkpoint connection (writer pools are closed by their owner). */
  public Future<Void> close() {
    if (checkpointTimer >= 0) {
      vertx.cancelTimer(checkpointTimer);
    }
    return readerPool.close()
        .compose(v -> pointReaderPool.close())
        .compose(v -> scanReaderPool.close())
        .compose(v -> checkpointExecutor.executeBlocking(() -> {
          checkpointer.close();
          return null;
        }))
        .eventually(() -> checkpointExecutor.close())
        .mapEmpty();
  }
}
