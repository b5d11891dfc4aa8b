package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.SqlConnection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads by id never wait behind searches, nor indexed searches behind scans; searches wait in a bounded queue and are
 * refused past it.
 */
class QueryIsolationTest {
  @TempDir Path dir;

  @Test
  void aPointReadAnswersWhileEverySearchConnectionIsBusyAndSurplusSearchesAreRefused() throws Exception {
    try (TestStore store = TestStore.open(dir.resolve("swarm.db"), 5000, 1)) {
      await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))))));
      TraceQueryService queries = new TraceQueryService(store.vertx, store.database.readPools(), 1000);
      // A heavy search holds the one search connection.
      SqlConnection busy = await(store.database.readerPool().getConnection());
      try {
        Buffer trace = await(queries.traceJson("t1", null));
        assertNotNull(trace);
        assertTrue(trace.toString().contains("\"trace_id\":\"t1\""));

        TraceSearch all = TraceSearch.parse(Map.of());
        List<Future<Buffer>> queued = new ArrayList<>();
        for (int i = 0; i < StorageDatabase.SEARCH_QUEUE_PER_CONNECTION; i++) {
          queued.add(queries.searchJson(all, null));
        }
        Throwable refused = awaitFailure(queries.searchJson(all, null));
        assertTrue(TraceQueryRoutes.isQueueFull(refused), refused.toString());
        for (Future<Buffer> f : queued) {
          assertFalse(f.isComplete(), "queued searches wait for the connection");
        }
        busy.close();
        busy = null;
        for (Future<Buffer> f : queued) {
          assertTrue(await(f).toString().contains("t1"));
        }
      } finally {
        if (busy != null) {
          busy.close();
        }
      }
    }
  }

  @Test
  void anIndexedSearchAnswersWhileEveryScanConnectionIsBusyAndSurplusScansAreRefused() throws Exception {
    try (TestStore store = TestStore.open(dir.resolve("swarm.db"), 5000, 2)) {
      await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "agent.run", 0))))));
      TraceQueryService queries = new TraceQueryService(store.vertx, store.database.readPools(), 1000);
      int scanConnections = StorageDatabase.scanConnections(2);
      List<SqlConnection> busy = new ArrayList<>();
      try {
        for (int i = 0; i < scanConnections; i++) {
          busy.add(await(store.database.scanReaderPool().getConnection()));
        }
        TraceSearch scan = TraceSearch.parse(Map.of("span_name", List.of("agent.run")));
        List<Future<Buffer>> queued = new ArrayList<>();
        for (int i = 0; i < StorageDatabase.SEARCH_QUEUE_PER_CONNECTION * scanConnections; i++) {
          queued.add(queries.searchJson(scan, null));
        }
        Throwable refused = awaitFailure(queries.searchJson(scan, null));
        assertTrue(TraceQueryRoutes.isQueueFull(refused), refused.toString());

        // Meanwhile a search by summary fields and a read by id answer at once.
        assertTrue(await(queries.searchJson(TraceSearch.parse(Map.of("limit", List.of("1"))), null)).toString().contains("t1"));
        assertNotNull(await(queries.traceJson("t1", null)));
        for (Future<Buffer> f : queued) {
          assertFalse(f.isComplete(), "queued scans wait for a scan connection");
        }
        busy.forEach(SqlConnection::close);
        busy.clear();
        for (Future<Buffer> f : queued) {
          assertTrue(await(f).toString().contains("t1"));
        }
      } finally {
        busy.forEach(SqlConnection::close);
      }
    }
  }
}
