package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.kafka.EmbeddedKafkaBroker;
import dev.swarm.pipeline.storage.postgres.PostgresServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STORAGE_BACKEND=postgres against a real PostgreSQL and a real broker, each role a pipeline of its own: aggregators
 * write what they assemble straight into the database (no traces topic), a storage role serves reads from it, and
 * ROLE=all does both. Spans are counted in the database itself, so "exactly once" is checked where it matters.
 */
class PostgresDeploymentTest {
  static PostgresServer pg;
  static final AtomicInteger DATABASES = new AtomicInteger();

  @TempDir Path dir;
  EmbeddedKafkaBroker broker;
  PostgresServer.Database database;
  final List<PipelineApp> apps = new ArrayList<>();

  @BeforeAll
  static void startPostgres() {
    pg = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @BeforeEach
  void freshDatabaseAndBroker() {
    database = pg.createDatabase("t" + DATABASES.incrementAndGet()); // PostgreSQL cuts names at 63 bytes
    broker = TestPipeline.broker(dir.resolve("kafka")).start();
  }

  @AfterEach
  void stopAll() {
    for (int i = apps.size() - 1; i >= 0; i--) {
      apps.get(i).stop();
    }
    broker.stop();
  }

  private PipelineApp role(String role, String name, PostgresServer.Database db) throws Exception {
    Map<String, String> env = TestPipeline.env(Files.createDirectories(dir.resolve(name)));
    env.put("ROLE", role);
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("MIN_FREE_DISK_BYTES", "0");
    if (db != null) {
      env.put("STORAGE_BACKEND", "postgres");
      env.put("POSTGRES_URL", db.uri());
      env.put("POSTGRES_POOL_SIZE", "2");
    }
    PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    apps.add(app);
    return app;
  }

  @Test
  void anAggregatorWritesPostgresAndTheStorageRoleServesItWithoutATracesTopic() throws Exception {
    PipelineApp storage = role("storage", "storage", database);
    role("aggregator", "aggregator", database);
    PipelineApp ingest = role("ingest", "ingest", null);
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray().add(TestSpans.span(trace, "root", null)).add(TestSpans.span(trace, "c", "root"));
    assertEquals(202, new Http(ingest.config().httpPort()).postJson("/api/traces", body.encode()).statusCode());

    Http reads = new Http(storage.config().httpPort());
    String stored = Await.until("the trace read through the storage role", Duration.ofSeconds(30),
        () -> reads.get("/api/traces/" + trace), r -> r.statusCode() == 200).body();
    JsonObject t = new JsonObject(stored);
    assertEquals("complete", t.getString("verdict"), stored);
    assertEquals(2, t.getInteger("span_count"), stored);
    assertEquals(2, spanRows(database, trace));
    try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
        Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Set<String> topics = admin.listTopics().names().get();
      assertTrue(!topics.contains(storage.config().tracesTopic()), "no traces topic was made: " + topics);
    }
    assertEquals(200, reads.get("/health/ready").statusCode());
    // The Zipkin- and Tempo-compatible reads and the UI, from the same database.
    assertEquals("[\"unknown\"]", reads.get("/zipkin/api/v2/services").body());
    JsonArray zipkinTrace = new JsonArray(reads.get("/zipkin/api/v2/trace/" + trace).body());
    assertEquals(2, zipkinTrace.size(), zipkinTrace.encode());
    assertEquals(200, reads.get("/tempo/api/traces/" + trace).statusCode());
    assertEquals(200, reads.get("/ui/").statusCode());
  }

  /**
   * Two aggregators write one database at once, each for its partitions; a third joins mid-load and partitions
   * move. Every acknowledged span is one row, every trace whole and complete, and more than one process wrote.
   */
  @Test
  void aggregatorsWriteAtOnceAndOneJoiningMidLoadLosesAndDoublesNothing() throws Exception {
    PipelineApp storage = role("storage", "storage", database);
    PipelineApp first = role("aggregator", "aggregator-1", database);
    PipelineApp second = role("aggregator", "aggregator-2", database);
    PipelineApp ingest = role("ingest", "ingest", null);
    Set<String> traces = postWhile(ingest, "join", () -> {
      PipelineApp third = role("aggregator", "aggregator-3", database);
      Http thirdMetrics = new Http(third.config().httpPort());
      Await.until("the third aggregator writing", Duration.ofSeconds(60),
          () -> thirdMetrics.metricSum("trace_storage_spans_written_total"), n -> n > 0);
    });

    Await.until("every acknowledged span in PostgreSQL", Duration.ofSeconds(90),
        () -> totalSpanRows(database), n -> n >= 4L * traces.size());
    Map<String, Integer> rows = spanRowsPerTrace(database);
    for (String trace : traces) {
      assertEquals(4, rows.getOrDefault(trace, 0), "span rows of " + trace);
    }
    assertEquals(4L * traces.size(), totalSpanRows(database), "no span stored twice, nothing unacknowledged");
    int writers = 0;
    for (PipelineApp a : List.of(first, second)) {
      if (new Http(a.config().httpPort()).metricSum("trace_storage_spans_written_total") > 0) {
        writers++;
      }
    }
    assertEquals(2, writers, "both first aggregators wrote");
    Http reads = new Http(storage.config().httpPort());
    String some = traces.iterator().next();
    JsonObject t = new JsonObject(reads.get("/api/traces/" + some).body());
    assertEquals("complete", t.getString("verdict"), t.encode());
    assertEquals(4, t.getInteger("span_count"), t.encode());
  }

  /**
   * One of two writing aggregators is SIGKILLed mid-load, possibly between its database commit and its offset commit:
   * its partitions move to the other, which reads their uncommitted records again. Every acknowledged span is one
   * row.
   */
  @Test
  void aWriterKilledMidLoadHandsItsPartitionsOverAndLosesAndDoublesNothing() throws Exception {
    role("aggregator", "aggregator-1", database);
    PipelineApp ingest = role("ingest", "ingest", null);
    int childPort = TestPipeline.freePort();
    Map<String, String> env = ChildPipeline.env(Files.createDirectories(dir.resolve("aggregator-2")), childPort);
    env.put("ROLE", "aggregator");
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("STORAGE_BACKEND", "postgres");
    env.put("POSTGRES_URL", database.uri());
    env.put("MIN_FREE_DISK_BYTES", "0");
    try (ChildPipeline child = new ChildPipeline(env, dir.resolve("aggregator-2.log")).start()) {
      Http childHttp = new Http(childPort);
      child.awaitReady(childHttp);
      Set<String> traces = postWhile(ingest, "kill", () -> {
        Await.until("the child writing", Duration.ofSeconds(60),
            () -> childHttp.metricSum("trace_storage_spans_written_total"), n -> n > 0);
        child.kill();
      });
      Await.until("every acknowledged span in PostgreSQL", Duration.ofSeconds(120),
          () -> totalSpanRows(database), n -> n >= 4L * traces.size());
      Map<String, Integer> rows = spanRowsPerTrace(database);
      for (String trace : traces) {
        assertEquals(4, rows.getOrDefault(trace, 0), "span rows of " + trace);
      }
      assertEquals(4L * traces.size(), totalSpanRows(database), "no span stored twice");
    }
  }

  /**
   * PostgreSQL crashes (immediate stop) while spans arrive and comes back: writes pause and retry, readiness names
   * the database while it is down, and every acknowledged span is stored once.
   */
  @Test
  void aPostgresCrashUnderLoadPausesWritesAndLosesNothing() throws Exception {
    try (PostgresServer own = PostgresServer.start()) {
      Map<String, String> env = TestPipeline.env(Files.createDirectories(dir.resolve("all")));
      env.put("STORAGE_BACKEND", "postgres");
      env.put("POSTGRES_URL", own.database().uri());
      env.put("STORAGE_RETRY_MAX_MS", "500");
      env.put("MIN_FREE_DISK_BYTES", "0");
      PipelineApp all = new PipelineApp(PipelineConfig.fromEnv(env)).start();
      apps.add(all);
      Http http = new Http(all.config().httpPort());
      Set<String> traces = postWhile(all, "crash", () -> {
        own.crash();
        String why = Await.until("readiness naming PostgreSQL", Duration.ofSeconds(60),
            () -> http.get("/health/ready"), r -> r.statusCode() == 503 && r.body().contains("PostgreSQL")).body();
        assertTrue(why.contains(own.database().host() + ":" + own.port()), why);
        own.restart();
      });
      Await.until("ready again", Duration.ofSeconds(60), () -> http.get("/health/ready").statusCode(), c -> c == 200);
      Await.until("every acknowledged span in PostgreSQL", Duration.ofSeconds(90),
          () -> totalSpanRows(own.database()), n -> n >= 4L * traces.size());
      Map<String, Integer> rows = spanRowsPerTrace(own.database());
      for (String trace : traces) {
        assertEquals(4, rows.getOrDefault(trace, 0), "span rows of " + trace);
      }
      assertEquals(4L * traces.size(), totalSpanRows(own.database()));
      assertTrue(http.metricSum("trace_storage_write_failures_total") > 0, "the outage was seen and retried");
      all.stop();
      apps.remove(all);
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Posts 4-span traces from a thread until {@code during} has run with 200 traces accepted before and after it. */
  private static Set<String> postWhile(PipelineApp ingest, String prefix, Step during) throws Exception {
    Http post = new Http(ingest.config().httpPort());
    Set<String> traces = ConcurrentHashMap.newKeySet();
    AtomicBoolean go = new AtomicBoolean(true);
    AtomicInteger next = new AtomicInteger();
    Thread poster = new Thread(() -> {
      while (go.get()) {
        String trace = prefix + next.getAndIncrement();
        JsonArray body = new JsonArray();
        for (int s = 0; s < 4; s++) {
          body.add(TestSpans.span(trace, "s" + s, s == 0 ? null : "s0"));
        }
        try {
          if (post.postJson("/api/traces", body.encode()).statusCode() == 202) {
            traces.add(trace);
          }
        } catch (RuntimeException refusedOrReset) {
          // not acknowledged: not counted
        }
      }
    });
    poster.start();
    try {
      Await.until("load before", Duration.ofSeconds(30), traces::size, n -> n >= 200);
      during.run();
      int before = traces.size();
      Await.until("load after", Duration.ofSeconds(60), traces::size, n -> n >= before + 200);
    } finally {
      go.set(false);
      poster.join();
    }
    return traces;
  }

  private static int spanRows(PostgresServer.Database db, String trace) throws SQLException {
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM agent_traces WHERE trace_id = ?")) {
      ps.setString(1, trace);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static long totalSpanRows(PostgresServer.Database db) {
    try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM agent_traces")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return -1; // down or not migrated yet: keep waiting
    }
  }

  private static Map<String, Integer> spanRowsPerTrace(PostgresServer.Database db) throws SQLException {
    Map<String, Integer> rows = new HashMap<>();
    try (Connection c = db.connect();
        ResultSet rs = c.createStatement().executeQuery("SELECT trace_id, count(*) FROM agent_traces GROUP BY trace_id")) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getInt(2));
      }
    }
    return rows;
  }
}
