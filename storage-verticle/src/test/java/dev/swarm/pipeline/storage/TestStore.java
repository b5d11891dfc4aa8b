package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;

import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * A migrated SQLite file with its writer and its reader pool, on a Vert.x of its own: the set-up most storage
 * tests share. Close it in {@code @AfterEach}.
 */
public final class TestStore implements AutoCloseable {
  public final Vertx vertx;
  public final SqliteSettings settings;
  public final StorageDatabase database;
  public final TraceWriter writer;

  private TestStore(Vertx vertx, SqliteSettings settings, StorageDatabase database) {
    this.vertx = vertx;
    this.settings = settings;
    this.database = database;
    this.writer = new TraceWriter(database::newWriterPool);
  }

  /**
   * @param busyTimeoutMs how long a statement waits for a lock (short where a test holds one on purpose)
   * @param readers connections of the reader pool
   */
  public static TestStore open(Path file, int busyTimeoutMs, int readers) {
    Vertx vertx = Vertx.vertx();
    SqliteSettings settings = new SqliteSettings(file, busyTimeoutMs, 4096, 1024, 1 << 20);
    return new TestStore(vertx, settings, await(StorageDatabase.open(vertx, settings, readers, 5000, 0)));
  }

  @Override
  public void close() {
    await(writer.close());
    await(database.close());
    await(vertx.close());
  }
}
