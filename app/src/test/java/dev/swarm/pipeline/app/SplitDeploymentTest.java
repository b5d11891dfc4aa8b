package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.swarm.pipeline.kafka.EmbeddedKafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split deployment, each role a pipeline of its own against one broker: ingest → swarm.spans → aggregator →
 * swarm.traces → storage. ROLE=all hands traces over in memory; these roles still go through the traces topic.
 */
class SplitDeploymentTest {
  @TempDir Path dir;
  EmbeddedKafkaBroker broker;
  final List<PipelineApp> apps = new ArrayList<>();

  @BeforeEach
  void startBroker() {
    broker = TestPipeline.broker(dir.resolve("kafka")).start();
  }

  @AfterEach
  void stopAll() {
    for (int i = apps.size() - 1; i >= 0; i--) {
      apps.get(i).stop();
    }
    broker.stop();
  }

  private PipelineApp role(String role, String name) throws Exception {
    Map<String, String> env = TestPipeline.env(Files.createDirectories(dir.resolve(name)));
    env.put("ROLE", role);
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("MIN_FREE_DISK_BYTES", "0");
    PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    apps.add(app);
    return app;
  }

  @Test
  void tracesGoThroughTheTracesTopicFromTheAggregatorRoleToTheStorageRole() throws Exception {
    PipelineApp storage = role("storage", "storage");
    role("aggregator", "aggregator");
    PipelineApp ingest = role("ingest", "ingest");
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray().add(TestSpans.span(trace, "root", null)).add(TestSpans.span(trace, "c", "root"));
    assertEquals(202, new Http(ingest.config().httpPort()).postJson("/api/traces", body.encode()).statusCode());

    Http reads = new Http(storage.config().httpPort());
    Await.until("the trace in the storage role", Duration.ofSeconds(30),
        () -> reads.get("/api/traces/" + trace).statusCode(), code -> code == 200);
    JsonObject stored = new JsonObject(reads.get("/api/traces/" + trace).body());
    assertEquals("complete", stored.getString("verdict"), stored.encode());
    assertEquals(1, TopicReader.readAll(broker.bootstrapServers(), storage.config().tracesTopic()).stream()
        .filter(r -> trace.equals(r.key())).count(), "one record on the traces topic");
  }

  /**
   * A second aggregator joins the group while spans arrive: partitions move, the first drops what it was
   * assembling for them and the new owner reads those records again. Every acknowledged span is stored, once,
   * and every trace has all its spans.
   */
  @Test
  void aSecondAggregatorJoiningMidLoadLosesAndDoublesNothing() throws Exception {
    PipelineApp storage = role("storage", "storage");
    role("aggregator", "aggregator-1");
    PipelineApp ingest = role("ingest", "ingest");
    Http post = new Http(ingest.config().httpPort());
    Set<String> traces = ConcurrentHashMap.newKeySet();
    AtomicBoolean go = new AtomicBoolean(true);
    Thread poster = new Thread(() -> {
      for (int n = 0; go.get(); n++) {
        String trace = "join" + n;
        JsonArray body = new JsonArray();
        for (int s = 0; s < 4; s++) {
          body.add(TestSpans.span(trace, "s" + s, s == 0 ? null : "s0"));
        }
        if (post.postJson("/api/traces", body.encode()).statusCode() == 202) {
          traces.add(trace);
        }
      }
    });
    poster.start();
    try {
      Await.until("load before the join", Duration.ofSeconds(30), traces::size, n -> n >= 200);
      PipelineApp second = role("aggregator", "aggregator-2");
      Http secondMetrics = new Http(second.config().httpPort());
      Await.until("the second aggregator emitting", Duration.ofSeconds(60),
          () -> secondMetrics.metricSum("trace_aggregator_traces_emitted_total"), n -> n > 0);
      int before = traces.size();
      Await.until("load after the join", Duration.ofSeconds(30), traces::size, n -> n >= before + 200);
    } finally {
      go.set(false);
      poster.join();
    }

    Http reads = new Http(storage.config().httpPort());
    Await.until("every acknowledged span stored", Duration.ofSeconds(60),
        () -> reads.metricSum("trace_storage_spans_written_total"), n -> n >= 4.0 * traces.size());
    for (String trace : traces) {
      String body = Await.until("trace " + trace, Duration.ofSeconds(30), () -> reads.get("/api/traces/" + trace),
          r -> r.statusCode() == 200).body();
      JsonObject t = new JsonObject(body);
      assertEquals(4, t.getInteger("span_count"), body);
      assertEquals("complete", t.getString("verdict"), body);
    }
  }
}
