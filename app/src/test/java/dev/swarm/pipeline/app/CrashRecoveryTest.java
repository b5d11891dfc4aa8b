package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The property held above all: once ingest answered 2xx, the span reaches SQLite exactly once, even when the
 * whole pipeline (broker included) is SIGKILLed while batches are being acknowledged, then restarted.
 */
class CrashRecoveryTest {
  // Kept when the test fails: the two child logs are the first thing to read.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void everyAcknowledgedSpanIsStoredExactlyOnceAfterSigkill() throws Exception {
    int port = TestPipeline.freePort();
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), port);
    Http http = new Http(port);
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Set<String> sent = ConcurrentHashMap.newKeySet();

    try (ChildPipeline first = new ChildPipeline(env, dir.resolve("first.log")).start()) {
      first.awaitReady(http);
      AtomicBoolean go = new AtomicBoolean(true);
      AtomicInteger batches = new AtomicInteger();
      Thread[] posters = new Thread[3];
      for (int t = 0; t < posters.length; t++) {
        int poster = t;
        posters[t] = new Thread(() -> {
          int n = 0;
          while (go.get()) {
            JsonArray body = batch("p" + poster + "b" + n++, sent);
            try {
              HttpResponse<String> r = http.postJson("/api/traces", body.encode());
              if (r.statusCode() == 202) {
                body.forEach(s -> acked.add(key((JsonObject) s)));
                batches.incrementAndGet();
              }
            } catch (RuntimeException connectionLost) {
              // the process is gone: this batch was not acknowledged
            }
          }
        });
        posters[t].start();
      }
      Await.until("some acknowledged batches", Duration.ofSeconds(60), batches::get, b -> b >= 30);
      first.kill();
      go.set(false);
      for (Thread p : posters) {
        p.join();
      }
    }
    assertTrue(acked.size() >= 30 * 20, "acked " + acked.size());

    try (ChildPipeline second = new ChildPipeline(env, dir.resolve("second.log")).start()) {
      second.awaitReady(http);
      Path db = dir.resolve("data").resolve("swarm.db");
      Set<String> stored = Await.until("every acknowledged span in SQLite", Duration.ofSeconds(90),
          () -> storedKeys(db), s -> s.containsAll(acked));
      assertTrue(sent.containsAll(stored), "rows that were never sent");
      assertEquals(stored.size(), rowCount(db), "a span stored more than once");
      int exit = second.terminate();
      assertTrue(exit == 0 || exit == 143, "SIGTERM should end the JVM through its shutdown hook, exit " + exit);
    }
  }

  private static JsonArray batch(String prefix, Set<String> sent) {
    JsonArray body = new JsonArray();
    for (int t = 0; t < 4; t++) {
      String trace = prefix + "t" + t;
      for (int s = 0; s < 5; s++) {
        JsonObject span = TestSpans.span(trace, "s" + s, s == 0 ? null : "s0");
        body.add(span);
        sent.add(key(span));
      }
    }
    return body;
  }

  private static String key(JsonObject span) {
    return span.getString("trace_id") + "/" + span.getString("id");
  }

  private static Set<String> storedKeys(Path db) {
    if (!Files.exists(db)) {
      return Set.of();
    }
    Set<String> keys = new HashSet<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT trace_id, id FROM agent_traces")) {
      while (rs.next()) {
        keys.add(rs.getString(1) + "/" + rs.getString(2));
      }
    } catch (java.sql.SQLException notYetMigrated) {
      System.err.println("reading " + db + ": " + notYetMigrated);
      return Set.of();
    }
    return keys;
  }

  private static long rowCount(Path db) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM agent_traces")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
