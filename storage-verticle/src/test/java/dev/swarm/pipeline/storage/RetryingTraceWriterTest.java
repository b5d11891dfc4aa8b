package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetryingTraceWriterTest {

  @TempDir
  Path dir;

  private TestStore store;
  private Vertx vertx;
  private SqliteSettings settings;
  private TraceWriter writer;

  @BeforeEach
  void open() {
    // A short busy timeout so each attempt against the lock fails quickly.
    store = TestStore.open(dir.resolve("swarm.db"), 20, 1);
    vertx = store.vertx;
    settings = store.settings;
    writer = store.writer;
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aBatchBlockedByAnotherConnectionsExclusiveLockLandsAfterTheLockIsReleased() throws Exception {
    List<Integer> failureCounts = new CopyOnWriteArrayList<>();
    List<Throwable> causes = new CopyOnWriteArrayList<>();
    CountDownLatch threeFailures = new CountDownLatch(3);
    RetryingTraceWriter retrying = new RetryingTraceWriter(vertx, writer, new RetryBackoff(5, 40),
        (failures, retryIn, cause) -> {
          causes.add(cause);
          failureCounts.add(failures);
          threeFailures.countDown();
        });
    List<TraceRecord> batch = List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0), span("t1", "c", "r", "b", 1))));

    Future<WriteResult> written;
    try (Connection locker = settings.openConnection(); Statement s = locker.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      written = retrying.writeUntilCommitted(batch);
      assertTrue(threeFailures.await(60, TimeUnit.SECONDS), "the writer should keep failing while locked");
      assertFalse(written.isComplete());
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM agent_traces")) {
        assertEquals(0, rs.getInt(1));
      }
      s.execute("COMMIT");
    }
    assertEquals(new WriteResult(1, 2, 0), await(written));
    assertEquals(List.of(1, 2, 3), failureCounts.subList(0, 3));
    for (Throwable cause : causes) {
      assertTrue(String.valueOf(cause.getMessage()).contains("SQLITE_BUSY"), String.valueOf(cause));
    }
    try (Connection c = settings.openConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM agent_traces), (SELECT verdict FROM trace_summaries)")) {
      assertEquals(2, rs.getInt(1));
      assertEquals("complete", rs.getString(2));
    }
  }

  @Test
  void stopEndsTheRetriesWithoutWriting() throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    RetryingTraceWriter retrying = new RetryingTraceWriter(vertx, writer, new RetryBackoff(5, 5),
        (failures, retryIn, cause) -> failed.countDown());
    try (Connection locker = settings.openConnection(); Statement s = locker.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      Future<WriteResult> written = retrying.writeUntilCommitted(
          List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0)))));
      assertTrue(failed.await(60, TimeUnit.SECONDS));
      retrying.stop();
      awaitFailure(written);
      s.execute("COMMIT");
    }
    try (Connection c = settings.openConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM agent_traces")) {
      assertEquals(0, rs.getInt(1));
    }
  }
}
