package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.storage.postgres.PostgresServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker never deletes acknowledged spans nobody has read: while assembly cannot store (here: its
 * database is down), the spans topic's log grows, and past EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES ingest answers 503
 * backlog_full with Retry-After; once the database is back and the backlog consumed and trimmed, it accepts again,
 * and every span it acknowledged is stored once.
 */
class BrokerBacklogGuardTest {
  @TempDir Path dir;

  @Test
  void ingestRefusesBeforeTheBrokerWouldDeleteUnconsumedSpansAndAcceptsOnceCaughtUp() throws Exception {
    try (PostgresServer pg = PostgresServer.start()) {
      Map<String, String> env = TestPipeline.env(Files.createDirectories(dir.resolve("all")));
      env.put("STORAGE_BACKEND", "postgres");
      env.put("POSTGRES_URL", pg.database().uri());
      env.put("STORAGE_RETRY_MAX_MS", "500");
      env.put("MIN_FREE_DISK_BYTES", "0");
      env.put("EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES", "1MiB");
      env.put("EMBEDDED_KAFKA_SEGMENT_MS", "1000");
      env.put("KAFKA_TRIM_INTERVAL_MS", "500");
      PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
      try {
        Http http = new Http(app.config().httpPort());
        List<String> acknowledged = new ArrayList<>();
        assertEquals(202, post(http, "before", acknowledged).statusCode());

        pg.crash();
        HttpResponse<String> refused = null;
        for (int n = 0; n < 20_000 && refused == null; n++) {
          HttpResponse<String> r = post(http, "down" + n, acknowledged);
          if (r.statusCode() == 503) {
            refused = r;
          }
        }
        assertTrue(refused != null, "ingest never refused while nothing could be stored");
        JsonObject error = new JsonObject(refused.body());
        assertEquals("backlog_full", error.getString("error"), refused.body());
        assertTrue(error.encode().contains("EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES"), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");
        assertEquals(1.0, http.metricSum("trace_broker_backlog_full"));

        pg.restart();
        Await.until("ingest accepting again once the backlog is stored and trimmed", Duration.ofSeconds(120),
            () -> post(http, "after" + System.nanoTime(), acknowledged).statusCode(), code -> code == 202);
        Await.until("every acknowledged span stored", Duration.ofSeconds(120),
            () -> spanRows(pg.database()), n -> n >= 4L * acknowledged.size());
        assertEquals(4L * acknowledged.size(), spanRows(pg.database()), "each acknowledged span once");
        assertTrue(http.get("/metrics").body().contains("outcome=\"backlog_full\""), "counted by outcome");
      } finally {
        app.stop();
      }
    }
  }

  /** One 4-span trace; recorded as acknowledged on 202. */
  private static HttpResponse<String> post(Http http, String trace, List<String> acknowledged) {
    JsonArray body = new JsonArray();
    for (int s = 0; s < 4; s++) {
      JsonObject span = TestSpans.span(trace, "s" + s, s == 0 ? null : "s0");
      span.put("attributes", new JsonObject().put("padding", "x".repeat(400)));
      body.add(span);
    }
    HttpResponse<String> r = http.postJson("/api/traces", body.encode());
    if (r.statusCode() == 202) {
      acknowledged.add(trace);
    }
    return r;
  }

  private static long spanRows(PostgresServer.Database db) {
    try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM agent_traces")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1;
    }
  }
}
