package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest first, for real: while posts keep the event loops above DOWNSTREAM_YIELD_AT_INGEST_CPU_PERCENT (set low here,
 * so a test's posts reach it), assembly reads nothing (DOWNSTREAM_YIELD_SPANS_PER_SECOND=0) and the backlog waits in
 * Kafka; once the posts stop it reads again and every acknowledged span is stored once.
 */
class DownstreamYieldPipelineTest {
  @TempDir Path dir;

  @Test
  void whileIngestIsBusyAssemblyWaitsAndAfterwardsStoresEveryAcknowledgedSpanOnce() throws Exception {
    PipelineApp app = TestPipeline.start(dir, Map.of(
        "DOWNSTREAM_YIELD_AT_INGEST_CPU_PERCENT", "5",
        "DOWNSTREAM_YIELD_SPANS_PER_SECOND", "0"));
    ExecutorService clients = Executors.newFixedThreadPool(4);
    AtomicBoolean posting = new AtomicBoolean(true);
    AtomicLong acknowledged = new AtomicLong();
    try {
      Http http = new Http(app.config().httpPort());
      for (int c = 0; c < 4; c++) {
        clients.submit(() -> {
          while (posting.get()) {
            String trace = TestSpans.newTraceId();
            JsonArray body = new JsonArray();
            for (int s = 0; s < 4; s++) {
              body.add(TestSpans.span(trace, "s" + s, s == 0 ? null : "s0"));
            }
            HttpResponse<String> r = http.postJson("/api/traces", body.encode());
            if (r.statusCode() == 202) {
              acknowledged.addAndGet(4);
            }
          }
          return null;
        });
      }
      Await.until("assembly yielding to the posts", Duration.ofSeconds(30),
          () -> http.metricSum("trace_downstream_yielding"), v -> v == 1.0);
      long storedWhenYielding = spanRows(app.config().sqlitePath());
      Await.until("a backlog in Kafka while ingest is busy", Duration.ofSeconds(30),
          () -> http.metricSum("trace_consumer_lag_records"), lag -> lag >= 2_000);
      assertEquals(1.0, http.metricSum("trace_downstream_yielding"), "still yielding");
      assertTrue(spanRows(app.config().sqlitePath()) < acknowledged.get(),
          "stored " + spanRows(app.config().sqlitePath()) + " (at the yield: " + storedWhenYielding + ") of "
              + acknowledged.get() + " acknowledged while yielding");

      posting.set(false);
      clients.shutdown();
      assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
      Await.until("assembly reading again once the posts stopped", Duration.ofSeconds(10),
          () -> http.metricSum("trace_downstream_yielding"), v -> v == 0.0);
      Await.until("every acknowledged span stored", Duration.ofSeconds(120),
          () -> spanRows(app.config().sqlitePath()), n -> n >= acknowledged.get());
      assertEquals(acknowledged.get(), spanRows(app.config().sqlitePath()), "each acknowledged span once");
    } finally {
      posting.set(false);
      clients.shutdownNow();
      app.stop();
    }
  }

  private static long spanRows(Path db) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?open_mode=1");
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM agent_traces")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }
}
