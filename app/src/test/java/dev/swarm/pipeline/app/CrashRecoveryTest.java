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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeEach;
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

  // One child pipeline's settings, then its restart's: the same data directory, HTTP and broker ports.
  Map<String, String> env;
  Http http;
  Path db;

  @BeforeEach
  void childSettings() {
    int port = TestPipeline.freePort();
    env = ChildPipeline.env(dir.resolve("data"), port);
    http = new Http(port);
    db = dir.resolve("data").resolve("swarm.db");
  }

  @Test
  void everyAcknowledgedSpanIsStoredExactlyOnceAfterSigkill() throws Exception {
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
      Set<String> stored = Await.until("every acknowledged span in SQLite", Duration.ofSeconds(90),
          () -> storedKeys(db), s -> s.containsAll(acked));
      assertTrue(sent.containsAll(stored), "rows that were never sent");
      assertEquals(stored.size(), rowCount(db), "a span stored more than once");
      int exit = second.terminate();
      assertTrue(exit == 0 || exit == 143, "SIGTERM should end the JVM through its shutdown hook, exit " + exit);
    }
  }

  /**
   * ROLE=all hands traces to storage in memory and commits the spans topic only after the SQLite commit. Killed in
   * between (rows written, no offset committed: the sweep that commits is held off for a minute, and five-span
   * traces are emitted as their fifth span arrives), the restarted pipeline reads the spans again and upserts them:
   * every span stays there once and every trace keeps its five spans.
   */
  @Test
  void killedAfterTheSqliteCommitBeforeTheOffsetCommitTheReplayChangesNothing() throws Exception {
    Set<String> sent = new HashSet<>();
    try (ChildPipeline child = startAndPost(Map.of("AGGREGATOR_SWEEP_MS", "60000", "MAX_SPANS_PER_TRACE", "5"), "c",
        sent)) {
      Await.until("every span in SQLite", Duration.ofSeconds(30), () -> storedKeys(db), s -> s.containsAll(sent));
      assertEquals(Map.of(), committedOffsets("trace-aggregator"), "no offset committed before the kill");
      child.kill();
    }
    try (ChildPipeline second = new ChildPipeline(env, dir.resolve("second.log")).start()) {
      second.awaitReady(http);
      Await.until("the spans read and stored again", Duration.ofSeconds(60),
          () -> http.metricSum("trace_aggregator_traces_emitted_total"), n -> n >= 40);
      Await.until("the second run's writes", Duration.ofSeconds(30),
          () -> http.metricSum("trace_storage_spans_written_total"), n -> n >= sent.size());
      assertEquals(sent, storedKeys(db));
      assertEquals(sent.size(), rowCount(db), "a span stored more than once");
      JsonObject trace = new JsonObject(http.get("/api/traces/c0t0").body());
      assertEquals(5, trace.getInteger("span_count"), trace.encode());
    }
  }

  /**
   * Killed while assembled traces wait in storage's batch (handed over, acknowledged to the clients, not yet in
   * SQLite: the batch is held for ten minutes), the restarted pipeline assembles them again from the spans topic.
   */
  @Test
  void killedBeforeTheSqliteCommitEveryAcknowledgedSpanIsStoredAfterRestart() throws Exception {
    Set<String> sent = new HashSet<>();
    try (ChildPipeline child = startAndPost(Map.of("STORAGE_BATCH_MAX_MS", "600000",
        "STORAGE_BATCH_MAX_SPANS", "1000000", "STORAGE_MAX_PENDING_SPANS", "1000000"), "k", sent)) {
      Await.until("every span handed to storage", Duration.ofSeconds(30),
          () -> http.metricSum("trace_storage_queue_spans"), n -> n >= sent.size());
      assertEquals(Set.of(), storedKeys(db), "nothing written before the kill");
      assertEquals(0, http.metricSum("trace_aggregator_traces_emitted_total"), "nothing durable yet");
      child.kill();
    }
    try (ChildPipeline second = new ChildPipeline(env, dir.resolve("second.log")).start()) {
      second.awaitReady(http);
      Await.until("every acknowledged span in SQLite", Duration.ofSeconds(60), () -> storedKeys(db),
          s -> s.containsAll(sent));
      assertEquals(sent.size(), rowCount(db), "a span stored more than once");
    }
  }

  /** Starts the first child with {@code env} plus {@code overrides} and posts ten acknowledged batches to it. */
  private ChildPipeline startAndPost(Map<String, String> overrides, String prefix, Set<String> sent)
      throws Exception {
    Map<String, String> first = new HashMap<>(env);
    first.putAll(overrides);
    ChildPipeline child = new ChildPipeline(first, dir.resolve("first.log")).start();
    child.awaitReady(http);
    for (int b = 0; b < 10; b++) {
      assertEquals(202, http.postJson("/api/traces", batch(prefix + b, sent).encode()).statusCode());
    }
    return child;
  }

  /** The consumer group's committed offsets on the child's embedded broker (empty when it has none). */
  private Map<String, Long> committedOffsets(String group) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + env.get("EMBEDDED_KAFKA_PORT")))) {
      Map<String, Long> out = new HashMap<>();
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
          .forEach((tp, om) -> {
            if (om != null) {
              out.put(tp.toString(), om.offset());
            }
          });
      return out;
    }
  }

  /** Four five-span traces named after {@code prefix}; their span keys are added to {@code sent}. */
  static JsonArray batch(String prefix, Set<String> sent) {
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

  static String key(JsonObject span) {
    return span.getString("trace_id") + "/" + span.getString("id");
  }

  static Set<String> storedKeys(Path db) {
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
