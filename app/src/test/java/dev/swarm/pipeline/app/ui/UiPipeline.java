package dev.swarm.pipeline.app.ui;

import dev.swarm.pipeline.app.Await;
import dev.swarm.pipeline.app.Http;
import dev.swarm.pipeline.app.PipelineApp;
import dev.swarm.pipeline.app.PipelineConfig;
import dev.swarm.pipeline.app.TestPipeline;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A whole pipeline in this JVM (embedded broker, SQLite file in a temporary directory) for the UI tests, with the
 * HTTP calls they need: post native spans, wait until a trace or a search reads back.
 */
final class UiPipeline implements AutoCloseable {

  private final Path dir;
  private final PipelineApp app;
  final String base;
  private final Http http;

  private UiPipeline(Path dir, PipelineApp app) {
    this.dir = dir;
    this.app = app;
    this.base = "http://127.0.0.1:" + app.config().httpPort();
    this.http = new Http(app.config().httpPort());
  }

  /** Starts ROLE=all with short assembly times, plus the given settings. */
  static UiPipeline start(Map<String, String> overrides) throws Exception {
    Path dir = Files.createTempDirectory("ui-test");
    Map<String, String> env = TestPipeline.env(dir);
    env.put("TRACE_MAX_WAIT_MS", "1500");
    env.put("MIN_FREE_DISK_BYTES", "0");
    env.putAll(overrides);
    return new UiPipeline(dir, new PipelineApp(PipelineConfig.fromEnv(env)).start());
  }

  PipelineApp app() {
    return app;
  }

  /** POSTs spans to /api/traces (native JSON); fails unless 202. */
  void post(JsonArray spans) {
    HttpResponse<String> r = http.postJson("/api/traces", spans.encode());
    if (r.statusCode() != 202) {
      throw new AssertionError("POST /api/traces answered " + r.statusCode() + ": " + r.body());
    }
  }

  HttpResponse<String> get(String path) {
    return http.get(path);
  }

  /** Waits until GET /api/traces/{id} answers 200 with a document that satisfies done. */
  JsonObject awaitTrace(String traceId, Predicate<JsonObject> done) {
    return Await.until("trace " + traceId, Duration.ofSeconds(60), () -> {
      HttpResponse<String> r = get("/api/traces/" + traceId);
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    }, t -> t != null && done.test(t));
  }

  /** Waits until the trace reads back with this many spans. */
  JsonObject awaitTrace(String traceId, int spans) {
    return awaitTrace(traceId, t -> t.getInteger("span_count", 0) == spans);
  }

  /** Waits until a search answers this many traces. */
  JsonArray awaitSearch(String query, int count) {
    return Await.until("search " + query, Duration.ofSeconds(60), () -> {
      HttpResponse<String> r = get("/api/traces?" + query);
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("traces") : null;
    }, a -> a != null && a.size() == count);
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    app.stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
