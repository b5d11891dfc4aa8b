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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention through the whole pipeline on a real broker and a real SQLite file: traces expire whole by the age of
 * their last write, a size bound caps the database while every accepted span is stored or counted as deleted, the
 * embedded broker's log is trimmed to what consumers still need, and a database file deleted under the running
 * process stops commits (readiness says why) so a restart replays what it missed.
 */
class RetentionPipelineTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
  private PipelineApp app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void expiredTracesAreDeletedWholeAndNewerOnesKept() throws Exception {
    app = TestPipeline.start(dir, Map.of("TRACE_RETENTION", "6s", "STORAGE_RETENTION_CHECK_MS", "200"));
    Http http = new Http(app.config().httpPort());
    String old = TestSpans.newTraceId();
    post(http, trace(old, 3));
    awaitStatus(http, old, 200);
    long storedAt = System.currentTimeMillis();
    // The second trace is written about three seconds after the first (span times are the same: only storage's
    // clock counts).
    Await.until("three seconds later", Duration.ofSeconds(10), System::currentTimeMillis, t -> t > storedAt + 3000);
    String young = TestSpans.newTraceId();
    post(http, trace(young, 2));
    awaitStatus(http, young, 200);

    awaitStatus(http, old, 404);
    long expiredAfter = System.currentTimeMillis() - storedAt;
    assertTrue(expiredAfter < 6000 + 60_000, "deleted within retention + 60 s: " + expiredAfter);
    assertEquals(200, http.get("/api/traces/" + young).statusCode(), "the newer trace is kept");
    assertTrue(counter("trace.storage.retention.deleted.traces") >= 1);
    assertTrue(counter("trace.storage.retention.deleted.spans") >= 3);
    // Nothing of the old trace is left: no spans, no summary, no service rows.
    assertEquals(0, count("SELECT count(*) FROM agent_traces WHERE trace_id = '" + old + "'"));
    assertEquals(0, count("SELECT count(*) FROM trace_services WHERE trace_id = '" + old + "'"));
    assertTrue(http.get("/metrics").body().contains("trace_storage_oldest_trace_age_seconds"));
  }

  @Test
  void aSizeBoundCapsTheDatabaseAndEveryAcceptedSpanIsStoredOrCountedAsDeleted() throws Exception {
    long maxBytes = 8L << 20;
    app = TestPipeline.start(dir, Map.of("STORAGE_MAX_BYTES", "8MiB", "STORAGE_BATCH_MAX_SPANS", "500",
        "STORAGE_RETENTION_CHECK_MS", "200", "TRACE_IDLE_MS", "100"));
    Http http = new Http(app.config().httpPort());
    int total = postPadded(http, 60, 40, 1500); // ~60 x 400 spans of ~1.8 KB: several times the bound
    Await.until("every accepted span stored or deleted", Duration.ofSeconds(90),
        () -> count("SELECT count(*) FROM agent_traces") + (long) counter("trace.storage.retention.deleted.spans"),
        n -> n == total);
    // Deleting goes on until the pages in use are under the bound; the writer holds back batches while they exceed it.
    Await.until("the pages in use under the bound", Duration.ofSeconds(30),
        () -> (count("PRAGMA page_count") - count("PRAGMA freelist_count")) * count("PRAGMA page_size"),
        used -> used <= maxBytes);
    // Free pages beyond the slack are given back; the file itself shrinks at the next checkpoint.
    Await.until("the file to shrink under the bound", Duration.ofSeconds(30), () -> fileSize(app.config().sqlitePath()),
        file -> file <= maxBytes);
    assertTrue(counter("trace.storage.retention.deleted.traces") > 0);
  }

  @Test
  void theEmbeddedBrokerDeletesWhatEveryConsumerHasCommitted() throws Exception {
    app = TestPipeline.start(dir, Map.of("KAFKA_TRIM_INTERVAL_MS", "300", "EMBEDDED_KAFKA_SEGMENT_MS", "1000",
        "TRACE_IDLE_MS", "100"));
    Http http = new Http(app.config().httpPort());
    int total = postPadded(http, 40, 30, 2000); // ~40 x 300 spans of ~2.3 KB: ~28 MB through the spans topic
    Await.until("all spans stored", Duration.ofSeconds(90), () -> count("SELECT count(*) FROM agent_traces"),
        n -> n == total);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", app.bootstrapServers()))) {
      // ROLE=all hands traces to storage in memory: the spans topic is the only log.
      assertTrue(!admin.listTopics().names().get().contains(app.config().tracesTopic()), "no traces topic");
      for (String topic : List.of(app.config().spansTopic())) {
        Await.until("the log start of " + topic + " to move past what consumers committed", Duration.ofSeconds(60),
            () -> starts(admin, topic), s -> s.values().stream().allMatch(v -> v > 0));
      }
    }
    // Small traces keep arriving (as in production), so the segments of the burst close and go: the log shrinks to
    // about a second of traffic while consumers keep up.
    Await.until("the broker's log to shrink to what is still needed", Duration.ofSeconds(60), () -> {
      post(http, trace(TestSpans.newTraceId(), 1));
      return app.registry().find("trace.kafka.log.bytes").gauges().stream().mapToDouble(g -> g.value()).sum();
    }, bytes -> bytes > 0 && bytes < 2_000_000);
  }

  @Test
  void aDatabaseDeletedUnderTheRunningProcessStopsCommitsAndARestartReplaysWhatItMissed() throws Exception {
    Map<String, String> env = Map.of("TRACE_IDLE_MS", "100", "STORAGE_RETRY_MAX_MS", "500");
    app = TestPipeline.start(dir, env);
    Http http = new Http(app.config().httpPort());
    String before = TestSpans.newTraceId();
    post(http, trace(before, 2));
    awaitStatus(http, before, 200);
    Path db = app.config().sqlitePath();
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
    }
    String after = TestSpans.newTraceId();
    post(http, trace(after, 2)); // acknowledged by Kafka: it must not be lost
    HttpResponse<String> ready = Await.until("readiness to name the storage problem", Duration.ofSeconds(30),
        () -> http.get("/health/ready"), r -> r.statusCode() == 503 && r.body().contains("\"storage\""));
    assertTrue(ready.body().contains("was deleted"), ready.body());
    assertTrue(!Files.exists(db), "no empty database is created in its place while running");
    int port = app.config().httpPort();
    app.stop();

    // The same data directory: the broker's log and its committed offsets carry over.
    Map<String, String> again = new HashMap<>(env);
    again.put("HTTP_PORT", Integer.toString(port));
    app = TestPipeline.start(dir, again);
    Http http2 = new Http(app.config().httpPort());
    awaitStatus(http2, after, 200);
  }

  private static long fileSize(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<Integer, Long> starts(Admin admin, String topic) {
    try {
      Set<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
          .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toSet());
      Map<TopicPartition, OffsetSpec> earliest = parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest()));
      return admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS).entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Posts {@code requests} bodies of {@code traces} 10-span traces, each span padded; returns the spans accepted. */
  private static int postPadded(Http http, int requests, int traces, int paddingChars) {
    String padding = "p".repeat(paddingChars);
    int accepted = 0;
    for (int r = 0; r < requests; r++) {
      JsonArray body = new JsonArray();
      for (int t = 0; t < traces; t++) {
        JsonArray spans = trace(TestSpans.newTraceId(), 10);
        spans.forEach(s -> ((JsonObject) s).getJsonObject("attributes").put("padding", padding));
        spans.forEach(body::add);
      }
      post(http, body);
      accepted += body.size();
    }
    return accepted;
  }

  private static JsonArray trace(String traceId, int spans) {
    JsonArray out = new JsonArray().add(TestSpans.span(traceId, "s0", null));
    for (int i = 1; i < spans; i++) {
      out.add(TestSpans.span(traceId, "s" + i, "s0"));
    }
    return out;
  }

  private static void post(Http http, JsonArray spans) {
    HttpResponse<String> r = http.postJson("/api/traces", spans.encode());
    assertEquals(202, r.statusCode(), r.body());
  }

  private static void awaitStatus(Http http, String traceId, int status) {
    Await.until("GET of " + traceId + " to answer " + status, Duration.ofSeconds(90),
        () -> http.get("/api/traces/" + traceId).statusCode(), s -> s == status);
  }

  private double counter(String name) {
    return app.registry().get(name).counter().count();
  }

  private long count(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + app.config().sqlitePath());
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
