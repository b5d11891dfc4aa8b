package dev.swarm.pipeline.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Traces in one SQLite file (the default backend): the migrated {@link StorageDatabase} with its reader pools and WAL
 * checkpoints, the single {@link TraceWriter} (checking before and after every transaction that the path still names
 * the file it opened, {@link DatabaseFileIdentity}), and {@link TraceRetention}'s row-by-row deletes with incremental
 * vacuum.
 */
public final class SqliteBackend implements StorageBackend {

  private final StorageConfig config;
  private final StorageDatabase database;
  private final TraceWriter writer;
  private final RetentionSteps retention;
  private final TraceQueryService queryService;

  private SqliteBackend(Vertx vertx, StorageConfig config, StorageDatabase database, DatabaseFileIdentity identity,
      boolean writes) {
    this.config = config;
    this.database = database;
    this.writer = writes ? new TraceWriter(database::newWriterPool, () -> vertx.executeBlocking(() -> {
      identity.verify();
      return null;
    }, false)) : null;
    RetentionConfig keep = config.retention();
    this.retention = writes && keep.enabled() ? new Steps(writer, new TraceRetention(keep, System::currentTimeMillis)) : null;
    this.queryService = new TraceQueryService(vertx, database.readPools(), config.queryMaxTraceSpans());
  }

  /** The {@link StorageBackend.Opener} of SQLite: the file at {@link StorageConfig#sqlitePath()}. */
  public static Future<StorageBackend> open(Vertx vertx, StorageConfig config, boolean writes) {
    return StorageDatabase.open(vertx, config.sqliteSettings(), config.queryPoolSize(), config.queryTimeoutMs(),
            config.checkpointIntervalMs())
        .compose(db -> vertx.executeBlocking(() -> DatabaseFileIdentity.of(config.sqlitePath()))
            .<StorageBackend>map(identity -> new SqliteBackend(vertx, config, db, identity, writes))
            .recover(e -> db.close().transform(ignored -> Future.failedFuture(e))));
  }

  @Override
  public String describe() {
    return "SQLite " + config.sqlitePath();
  }

  @Override
  public TraceBatchWriter writer() {
    return writer;
  }

  @Override
  public RetentionSteps retention() {
    return retention;
  }

  @Override
  public TraceQueryService queryService() {
    return queryService;
  }

  @Override
  public DiskUse measureDisk() {
    return measure(config.sqlitePath());
  }

  /** The database file plus its WAL (the -shm file is not data), and their filesystem. Blocking file I/O. */
  static DiskUse measure(Path file) {
    long wal = sizeOrZero(file.resolveSibling(file.getFileName() + "-wal"));
    try {
      FileStore store = Files.getFileStore(file.toAbsolutePath().getParent());
      return new DiskUse(sizeOrZero(file) + wal, wal, store.getUsableSpace(), store.getTotalSpace());
    } catch (IOException e) {
      return new DiskUse(sizeOrZero(file) + wal, wal, -1, -1);
    }
  }

  @Override
  public Future<Void> close() {
    Future<Void> closed = writer == null ? Future.succeededFuture() : writer.close();
    return closed.eventually(database::close);
  }

  private static long sizeOrZero(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0; // absent (no WAL yet)
    }
  }

  /** Each step and each vacuum step is one transaction on the writer's connection, between batches. */
  private record Steps(TraceWriter writer, TraceRetention retention) implements RetentionSteps {
    @Override
    public RetentionConfig config() {
      return retention.config();
    }

    @Override
    public Future<TraceRetention.Step> step() {
      return writer.inTransaction(retention::step);
    }

    @Override
    public Future<Long> vacuum() {
      return writer.inTransaction(retention::vacuum);
    }
  }
}
