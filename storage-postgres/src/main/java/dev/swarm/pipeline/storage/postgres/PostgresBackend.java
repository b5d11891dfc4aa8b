package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.storage.ReadPools;
import dev.swarm.pipeline.storage.RetentionSteps;
import dev.swarm.pipeline.storage.StorageBackend;
import dev.swarm.pipeline.storage.StorageConfig;
import dev.swarm.pipeline.storage.StorageDatabase;
import dev.swarm.pipeline.storage.TraceBatchWriter;
import dev.swarm.pipeline.storage.TraceQueryService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces in PostgreSQL (STORAGE_BACKEND=postgres): the schema migrated by Flyway at open, one
 * {@link PostgresTraceWriter} on a connection of its own, the partition upkeep and retention
 * ({@link PostgresUpkeep}), and the query API's three read lanes as vertx-pg-client pools (POSTGRES_POOL_SIZE
 * connections in all), whose connections open on first use, so a process that serves no reads opens none. A writing
 * process opens two more: the writer's and the upkeep's. Any number of processes may write to one database at once.
 */
public final class PostgresBackend implements StorageBackend {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresBackend.class);

  private final Vertx vertx;
  private final PostgresConfig database;
  private final PostgresTraceWriter writer;
  private final PostgresUpkeep upkeep;
  private final WorkerExecutor upkeepWorker;
  private final List<Pool> readPools;
  private final TraceQueryService queryService;

  private PostgresBackend(Vertx vertx, StorageConfig config, PostgresConfig database, PostgresTraceWriter writer,
      PostgresUpkeep upkeep, WorkerExecutor upkeepWorker) {
    this.vertx = vertx;
    this.database = database;
    this.writer = writer;
    this.upkeep = upkeep;
    this.upkeepWorker = upkeepWorker;
    // The query API's statements end after STORAGE_QUERY_TIMEOUT_MS, as SQLite's do.
    PgConnectOptions reads = new PgConnectOptions(database.connect()).setCachePreparedStatements(true)
        .addProperty("statement_timeout", Long.toString(config.queryTimeoutMs()))
        .addProperty("application_name", "trace-pipeline-query");
    // POSTGRES_POOL_SIZE read connections in all, in SQLite's three lanes: two for reads by id, a quarter for scans,
    // the rest for searches; below four, one pool for every read.
    int size = database.poolSize();
    Pool searchPool;
    Pool scanPool;
    Pool pointPool;
    if (size < 4) {
      searchPool = scanPool = pointPool = pool(vertx, reads, size, StorageDatabase.SEARCH_QUEUE_PER_CONNECTION * size,
          "trace-storage-postgres-readers");
      this.readPools = List.of(searchPool);
    } else {
      int points = StorageDatabase.POINT_READ_CONNECTIONS;
      int scans = Math.max(1, size / 4);
      int searches = size - points - scans;
      searchPool = pool(vertx, reads, searches, StorageDatabase.SEARCH_QUEUE_PER_CONNECTION * searches,
          "trace-storage-postgres-readers");
      scanPool = pool(vertx, reads, scans, StorageDatabase.SEARCH_QUEUE_PER_CONNECTION * scans,
          "trace-storage-postgres-scan-readers");
      pointPool = pool(vertx, reads, points, -1, "trace-storage-postgres-point-readers");
      this.readPools = List.of(searchPool, scanPool, pointPool);
    }
    this.queryService = new TraceQueryService(vertx, new ReadPools(searchPool, scanPool, pointPool),
        config.queryMaxTraceSpans(), PostgresReadSql.INSTANCE);
  }

  /** The {@link StorageBackend.Opener} of the database {@code database} names. */
  public static StorageBackend.Opener opener(PostgresConfig database) {
    return (vertx, config, writes) -> open(vertx, config, database, writes);
  }

  /**
   * Migrates the schema (Flyway; several processes starting at once take turns on its lock), and for a writer makes
   * today's and the next days' partitions before the first write.
   */
  public static Future<StorageBackend> open(Vertx vertx, StorageConfig config, PostgresConfig database, boolean writes) {
    WorkerExecutor upkeepWorker = writes ? vertx.createSharedWorkerExecutor("trace-storage-postgres-upkeep", 1) : null;
    PostgresUpkeep upkeep = writes
        ? new PostgresUpkeep(database, config.retention(), upkeepWorker, Clock.systemUTC()) : null;
    return vertx.executeBlocking(() -> {
          int applied = PostgresSchema.migrate(database.jdbcUrl(), database.user(), database.password());
          if (applied > 0) {
            LOG.info("migrated PostgreSQL {}: {} schema versions applied", database.describe(), applied);
          }
          if (upkeep != null) {
            upkeep.makeAhead();
          }
          return null;
        })
        .<StorageBackend>map(v -> new PostgresBackend(vertx, config, database,
            writes ? PostgresTraceWriter.create(vertx, database.connect()) : null, upkeep, upkeepWorker))
        .recover(e -> {
          Future<Void> released = upkeepWorker == null ? Future.succeededFuture() : closeUpkeep(upkeep, upkeepWorker);
          return released.transform(ignored -> Future.failedFuture(new IllegalStateException(
              "cannot open PostgreSQL " + database.describe() + ": " + e.getMessage(), e)));
        });
  }

  @Override
  public String describe() {
    return "PostgreSQL " + database.describe();
  }

  @Override
  public TraceBatchWriter writer() {
    return writer;
  }

  @Override
  public RetentionSteps retention() {
    return upkeep; // always, with writes: the day partitions must be made ahead even without retention
  }

  @Override
  public TraceQueryService queryService() {
    return queryService;
  }

  /** pg_database_size; the filesystem is the server's, not visible from here. Blocks a worker for one query. */
  @Override
  public DiskUse measureDisk() {
    try {
      long bytes = readPools.get(readPools.size() - 1).query("SELECT pg_database_size(current_database())").execute()
          .map(rows -> rows.iterator().next().getLong(0))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new DiskUse(bytes, -1, -1, -1);
    } catch (Exception e) {
      return new DiskUse(-1, -1, -1, -1); // unreachable now: the gauges keep their last values
    }
  }

  @Override
  public Future<Void> close() {
    Future<Void> closed = writer == null ? Future.succeededFuture() : writer.close();
    for (Pool p : readPools) {
      closed = closed.eventually(p::close);
    }
    return upkeepWorker == null ? closed : closed.eventually(() -> closeUpkeep(upkeep, upkeepWorker));
  }

  private static Future<Void> closeUpkeep(PostgresUpkeep upkeep, WorkerExecutor worker) {
    return worker.executeBlocking(() -> {
      upkeep.close();
      return null;
    }, false).<Void>mapEmpty().eventually(worker::close);
  }

  private static Pool pool(Vertx vertx, PgConnectOptions connect, int size, int maxWaiting, String name) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(size).setMaxWaitQueueSize(maxWaiting).setName(name))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }
}
