package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In ROLE=all the aggregator and storage run on a pool of their own at the lowest Java priority, as does Vert.x's
 * shared worker pool (where the SQLite calls run), and every thread that serves ingest stays at normal priority,
 * although Vert.x creates some of them from downstream threads (a Java thread inherits its creator's priority).
 * Checked after real traffic went all the way to SQLite.
 */
class DownstreamThreadsTest {
  @TempDir Path dir;

  @Test
  void assemblyAndStorageRunBelowIngestAndNothingElseInheritsTheirPriority() throws Exception {
    PipelineApp app = TestPipeline.start(dir, Map.of());
    try {
      String trace = postAndAwaitStored(app);
      Map<String, Set<Integer>> priorities = prioritiesByPool();
      assertEquals(Set.of(Thread.MIN_PRIORITY), priorities.get(DownstreamThreads.LOW_POOL), priorities + " " + trace);
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get("vert.x-eventloop-thread"), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get(dev.swarm.pipeline.ingest.SpanPublisher.WORKER_POOL),
          priorities.toString());
      // Vert.x's shared pool runs storage's JDBC calls (vertx-jdbc-client puts them there): low as well.
      assertEquals(Set.of(Thread.MIN_PRIORITY), priorities.get("vert.x-worker-thread"), priorities.toString());
    } finally {
      app.stop();
    }
  }

  @Test
  void normalPriorityKeepsThePoolButNotTheLowering() throws Exception {
    PipelineApp app = TestPipeline.start(dir, Map.of("DOWNSTREAM_PRIORITY", "normal"));
    try {
      postAndAwaitStored(app);
      Map<String, Set<Integer>> priorities = prioritiesByPool();
      assertFalse(priorities.containsKey(DownstreamThreads.LOW_POOL), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get(DownstreamThreads.NORMAL_POOL), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get("vert.x-worker-thread"), priorities.toString());
    } finally {
      app.stop();
    }
  }

  private static String postAndAwaitStored(PipelineApp app) throws Exception {
    String base = "http://127.0.0.1:" + app.config().httpPort();
    String trace = TestSpans.newTraceId();
    HttpClient http = HttpClient.newHttpClient();
    String body = new io.vertx.core.json.JsonArray(List.of(TestSpans.span(trace, "r", null))).encode();
    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, posted.statusCode(), posted.body());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> got = http.send(HttpRequest.newBuilder(URI.create(base + "/api/traces/" + trace)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (got.statusCode() == 200) {
        return trace;
      }
      Thread.sleep(50); // polling the query API until the trace is stored
    }
    throw new AssertionError("trace " + trace + " not stored within 30 s");
  }

  /** Java priorities of the live threads, by name without the trailing number. */
  private static Map<String, Set<Integer>> prioritiesByPool() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
        t -> t.getName().replaceAll("-\\d+$", ""), TreeMap::new,
        Collectors.mapping(Thread::getPriority, Collectors.toSet())));
  }
}
