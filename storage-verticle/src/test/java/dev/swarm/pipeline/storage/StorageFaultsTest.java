package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * SQLite faults a long-running storage meets: a full database, a read-only file, the file deleted or replaced under
 * the running process, a corrupt file at start. A failed write leaves nothing behind and is retried; nothing is
 * reported as written that was not.
 */
class StorageFaultsTest {

  @TempDir Path dir;
  private TestStore store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aFullDatabaseFailsTheWholeBatchAndRetentionMakesRoomForIt() throws Exception {
    store = TestStore.open(dir.resolve("swarm.db"), 5000, 1);
    // SQLITE_FULL for real: the writer's connection may not grow the file past 192 pages (6 MiB).
    TraceWriter full = new TraceWriter(() -> {
      SQLiteDataSource capped = store.settings.writerDataSource();
      capped.setMaxPageCount(192);
      return JDBCPool.pool(store.vertx, capped, new PoolOptions().setMaxSize(1));
    });
    SyntheticTraces traces = new SyntheticTraces(5);
    Throwable failure = null;
    List<TraceRecord> batch = null;
    for (int b = 0; b < 100 && failure == null; b++) {
      batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(message(TraceVerdict.COMPLETE, traces.trace()));
      }
      long before = count("SELECT count(*) FROM agent_traces");
      Future<WriteResult> written = full.write(batch);
      failure = written.toCompletionStage().toCompletableFuture().handle((r, e) -> e).get();
      if (failure != null) {
        assertEquals(before, count("SELECT count(*) FROM agent_traces"), "a failed batch leaves no row behind");
      }
    }
    assertTrue(failure != null && String.valueOf(failure.getMessage()).contains("SQLITE_FULL"), String.valueOf(failure));

    // Retried with a size bound under the limit: the step before the retry deletes the oldest traces.
    TraceRetention retention = new TraceRetention(new RetentionConfig(0, RetentionConfig.MIN_MAX_BYTES, 1000, 50),
        System::currentTimeMillis);
    AtomicInteger failures = new AtomicInteger();
    RetryingTraceWriter retrying = new RetryingTraceWriter(store.vertx, full, new RetryBackoff(10, 100),
        (n, delay, cause) -> failures.incrementAndGet(), () -> full.inTransaction(retention::step).mapEmpty());
    WriteResult result = await(retrying.writeUntilCommitted(batch));
    assertEquals(batch.size(), result.traces());
    assertTrue(failures.get() >= 1, "the batch first failed, then landed after a retention step");
    assertEquals(1, count("SELECT count(*) FROM trace_summaries WHERE trace_id = '" + batch.get(0).traceId() + "'"));
    await(full.close());
  }

  @Test
  void writesToADeletedFileFailAndNoNewFileAppears() throws Exception {
    Path db = dir.resolve("swarm.db");
    store = TestStore.open(db, 5000, 1);
    DatabaseFileIdentity identity = DatabaseFileIdentity.of(db);
    TraceWriter writer = new TraceWriter(store.database::newWriterPool, checked(store.vertx, identity));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("a", "r", null, "agent.run", 0))))));

    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(dir.resolve("swarm.db" + suffix));
    }
    Throwable e = awaitFailure(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("b", "r", null, "x", 0))))));
    assertInstanceOf(DatabaseFileIdentity.ChangedException.class, e);
    assertTrue(e.getMessage().contains("was deleted"), e.getMessage());
    assertFalse(Files.exists(db), "the writer must not create an empty database in its place");
    await(writer.close());
  }

  @Test
  void writesToAReplacedFileFail() throws Exception {
    Path db = dir.resolve("swarm.db");
    store = TestStore.open(db, 5000, 1);
    DatabaseFileIdentity identity = DatabaseFileIdentity.of(db);
    TraceWriter writer = new TraceWriter(store.database::newWriterPool, checked(store.vertx, identity));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("a", "r", null, "agent.run", 0))))));

    Path other = dir.resolve("other.db");
    TestStore.open(other, 5000, 1).close(); // another valid, migrated database
    Files.move(other, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Throwable e = awaitFailure(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("b", "r", null, "x", 0))))));
    assertTrue(e.getMessage().contains("was replaced"), e.getMessage());
    await(writer.close());
  }

  @Test
  void aReadOnlyFileFailsWritesUntilItIsWritableAgain() throws Exception {
    Path db = dir.resolve("swarm.db");
    store = TestStore.open(db, 200, 1);
    await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("a", "r", null, "agent.run", 0))))));
    Path wal = dir.resolve("swarm.db-wal");
    // Root ignores permission bits; the immutable attribute holds even for root and for files already open.
    assumeTrue(chattr("+i", db) && chattr("+i", wal), "needs root and chattr on a filesystem with attributes");
    try {
      Throwable e = awaitFailure(store.writer.write(List.of(message(TraceVerdict.COMPLETE,
          List.of(span("b", "r", null, "x", 0))))));
      assertTrue(e.getMessage().contains("SQLITE_"), e.getMessage());
    } finally {
      chattr("-i", db);
      chattr("-i", wal);
    }
    await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("b", "r", null, "x", 0))))));
    assertEquals(1, count("SELECT count(*) FROM trace_summaries WHERE trace_id = 'b'"));
  }

  @Test
  void aCorruptFileAtStartIsRefusedWithAClearMessageAndLeftAsItWas() throws Exception {
    Path db = dir.resolve("swarm.db");
    byte[] garbage = "this is not a SQLite database\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
    Files.write(db, garbage);
    Vertx vertx = Vertx.vertx();
    try {
      Throwable e = awaitFailure(StorageDatabase.open(vertx, SqliteSettings.defaults(db), 1, 1000, 0));
      assertInstanceOf(SchemaMigrationException.class, e);
      assertTrue(e.getMessage().contains(db.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("not a database"), e.getMessage());
      assertTrue(e.getMessage().contains("never replaced"), e.getMessage());
      assertArrayEquals(garbage, Files.readAllBytes(db));
    } finally {
      await(vertx.close());
    }
  }

  private static java.util.function.Supplier<Future<Void>> checked(Vertx vertx, DatabaseFileIdentity identity) {
    return () -> vertx.executeBlocking(() -> {
      identity.verify();
      return null;
    });
  }

  private static boolean chattr(String flag, Path file) {
    try {
      Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
      return p.waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private long count(String sql) throws SQLException {
    try (Connection c = store.settings.openConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
