package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.PipelineApp;
import dev.swarm.pipeline.app.PipelineConfig;
import dev.swarm.pipeline.app.TestPipeline;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which processes serve the UI: ROLE=all and ROLE=storage (where the query API is), not ROLE=ingest; plain HTTP,
 * no browser.
 */
class UiRolesTest {
  static final HttpClient CLIENT = HttpClient.newHttpClient(); // never follows redirects
  static UiPipeline all;
  static PipelineApp storage;
  static PipelineApp ingest;
  static Path dirs;

  @BeforeAll
  static void start() throws Exception {
    all = UiPipeline.start(Map.of());
    dirs = Files.createTempDirectory("ui-roles");
    storage = role("storage", Map.of("STORAGE_GROUP_ID", "ui-roles-storage"));
    ingest = role("ingest", Map.of());
  }

  private static PipelineApp role(String role, Map<String, String> more) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("ROLE", role);
    env.put("KAFKA_BOOTSTRAP_SERVERS", all.app().bootstrapServers());
    env.put("DATA_DIR", Files.createDirectories(dirs.resolve(role)).toString());
    env.put("HTTP_PORT", Integer.toString(TestPipeline.freePort()));
    env.put("HTTP_INSTANCES", "1");
    env.put("KAFKA_PARTITIONS", "3");
    env.put("MIN_FREE_DISK_BYTES", "0");
    env.put("SHUTDOWN_TIMEOUT_MS", "3000");
    env.putAll(more);
    return new PipelineApp(PipelineConfig.fromEnv(env)).start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (PipelineApp app : new PipelineApp[] {ingest, storage}) {
      if (app != null) {
        app.stop();
      }
    }
    if (all != null) {
      all.close();
    }
  }

  static HttpResponse<String> get(PipelineApp app, String path, String... headers) throws Exception {
    return get(app.config().httpPort(), path, headers);
  }

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void roleAllServesTheUiAndKeepsTheJson404ForEverythingElse() throws Exception {
    PipelineApp app = all.app();
    HttpResponse<String> root = get(app, "/");
    assertEquals(302, root.statusCode());
    assertEquals("/ui/", root.headers().firstValue("Location").orElse(null));
    assertEquals("/ui/?ticket_id=T-17", get(app, "/?ticket_id=T-17").headers().firstValue("Location").orElse(null));

    for (String page : new String[] {"/ui/", "/ui/trace/4bf92f3577b34da6a3ce929d0e0e4736", "/ui/ticket/T-17"}) {
      HttpResponse<String> r = get(app, page);
      assertEquals(200, r.statusCode(), page);
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page);
      assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'self'"), page);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), page);
      assertTrue(r.body().contains("<script type=\"module\" src=\"/ui/assets/js/main.js\"></script>"), page);
    }
    HttpResponse<String> js = get(app, "/ui/assets/js/main.js");
    assertEquals(200, js.statusCode());
    assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("Content-Type").orElse(null));
    String etag = js.headers().firstValue("ETag").orElseThrow();
    assertEquals(304, get(app, "/ui/assets/js/main.js", "If-None-Match", etag).statusCode());

    HttpResponse<String> missing = get(app, "/ui/assets/js/nothing-here.js");
    assertEquals(404, missing.statusCode());
    assertEquals("nosniff", missing.headers().firstValue("X-Content-Type-Options").orElse(null));

    HttpResponse<String> other = get(app, "/no/such/thing");
    assertEquals(404, other.statusCode());
    assertEquals("no such endpoint: GET /no/such/thing", new JsonObject(other.body()).getString("error"));
    assertEquals(404, get(app, "/ui/elsewhere").statusCode());
    assertEquals(200, get(app, "/api/traces").statusCode(), "the query API beside it");
  }

  @Test
  void roleStorageServesTheUiBesideItsQueryApi() throws Exception {
    assertEquals(302, get(storage, "/").statusCode());
    assertEquals(200, get(storage, "/ui/").statusCode());
    assertEquals(200, get(storage, "/ui/assets/css/ui.css").statusCode());
    assertEquals(200, get(storage, "/api/traces").statusCode());
  }

  @Test
  void roleIngestHasNoUiForItHasNoQueryApi() throws Exception {
    for (String path : new String[] {"/", "/ui/", "/ui/assets/js/main.js"}) {
      HttpResponse<String> r = get(ingest, path);
      assertEquals(404, r.statusCode(), path);
      assertTrue(new JsonObject(r.body()).getString("error").startsWith("no such endpoint"), path);
    }
  }
}
