package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions of the spans topic move between pipeline processes under load, and nothing acknowledged is lost or
 * split: a second {@code ROLE=all} process joins the first one's consumer group mid-load (it uses the first one's
 * broker and writes the same SQLite file), takes some partitions and assembles and stores traces from them, then
 * leaves on SIGTERM and the first one takes its partitions back. Traces being assembled when their partition moved
 * are rebuilt whole by the new owner, from the last committed offset.
 */
class RebalanceTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void aProcessJoiningAndLeavingTheGroupMidLoadLosesAndSplitsNothing() throws Exception {
    Path db = dir.resolve("shared.db");
    int portA = TestPipeline.freePort();
    Map<String, String> envA = ChildPipeline.env(dir.resolve("a"), portA);
    envA.put("SQLITE_PATH", db.toString());
    envA.put("KAFKA_PARTITIONS", "6");
    int portB = TestPipeline.freePort();
    Map<String, String> envB = ChildPipeline.env(dir.resolve("b"), portB);
    envB.put("SQLITE_PATH", db.toString());
    envB.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + envA.get("EMBEDDED_KAFKA_PORT"));
    Http a = new Http(portA);
    Http b = new Http(portB);

    Set<String> sent = ConcurrentHashMap.newKeySet();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger batches = new AtomicInteger();
    AtomicBoolean go = new AtomicBoolean(true);
    AtomicBoolean bServes = new AtomicBoolean();
    try (ChildPipeline first = new ChildPipeline(envA, dir.resolve("a.log")).start()) {
      first.awaitReady(a);
      Thread[] posters = new Thread[2];
      for (int t = 0; t < posters.length; t++) {
        int poster = t;
        posters[t] = new Thread(() -> {
          int n = 0;
          while (go.get()) {
            // Spread over both processes' ingest while both run: the topic is shared either way.
            Http to = n % 2 == 1 && bServes.get() ? b : a;
            JsonArray body = CrashRecoveryTest.batch("p" + poster + "b" + n++, sent);
            try {
              HttpResponse<String> r = to.postJson("/api/traces", body.encode());
              if (r.statusCode() == 202) {
                body.forEach(s -> acked.add(CrashRecoveryTest.key((JsonObject) s)));
                batches.incrementAndGet();
              }
            } catch (RuntimeException refused) {
              // a process going away: this batch was not acknowledged
            }
          }
        });
        posters[t].start();
      }
      try {
        Await.until("acknowledged batches before the second process", Duration.ofSeconds(60), batches::get,
            n -> n >= 20);
        try (ChildPipeline second = new ChildPipeline(envB, dir.resolve("b.log")).start()) {
          second.awaitReady(b);
          bServes.set(true);
          Await.until("traces assembled and stored by the second process", Duration.ofSeconds(90),
              () -> b.metricSum("trace_aggregator_traces_emitted_total"), n -> n >= 20);
          int before = batches.get();
          Await.until("load while both share the partitions", Duration.ofSeconds(60), batches::get,
              n -> n >= before + 20);
          bServes.set(false);
          int exit = second.terminate();
          assertTrue(exit == 0 || exit == 143, "SIGTERM ends the second process cleanly, exit " + exit);
        }
        double emittedByA = a.metricSum("trace_aggregator_traces_emitted_total");
        int before = batches.get();
        Await.until("load after the second process left", Duration.ofSeconds(60), batches::get,
            n -> n >= before + 20);
        Await.until("the first process assembling again from every partition", Duration.ofSeconds(60),
            () -> a.metricSum("trace_aggregator_traces_emitted_total"), n -> n > emittedByA);
      } finally {
        go.set(false);
        for (Thread p : posters) {
          p.join();
        }
      }
      assertTrue(acked.size() >= 60 * 20, "acked " + acked.size());
      Set<String> stored = Await.until("every acknowledged span in SQLite", Duration.ofSeconds(90),
          () -> CrashRecoveryTest.storedKeys(db), s -> s.containsAll(acked));
      assertTrue(sent.containsAll(stored), "rows that were never sent");
      // Every trace whole in one summary: none cut in two by a partition that moved while it was assembled.
      Await.until("every stored trace with its five spans", Duration.ofSeconds(30), () -> tracesNotWhole(db),
          Map::isEmpty);
    }
  }

  /** Trace id to span count of every stored trace whose summary does not count five spans. */
  private static Map<String, Integer> tracesNotWhole(Path db) {
    Map<String, Integer> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT trace_id, span_count FROM trace_summaries WHERE span_count <> 5")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("reading " + db, e);
    }
    return out;
  }
}
