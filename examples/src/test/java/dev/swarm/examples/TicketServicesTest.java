package dev.swarm.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.PipelineApp;
import dev.swarm.pipeline.app.PipelineConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/instrumentation.md against a real pipeline (embedded broker, SQLite file): one call to the
 * ticket API becomes one complete trace under the caller's X-Trace-ID, with spans of both services.
 */
class TicketServicesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void oneCallThroughBothServicesIsOneCompleteTraceUnderTheCallersTraceId() throws Exception {
    Path dir = Files.createTempDirectory("example");
    Map<String, String> env = new HashMap<>();
    env.put("DATA_DIR", dir.toString());
    env.put("HTTP_PORT", Integer.toString(freePort()));
    env.put("EMBEDDED_KAFKA_PORT", "0");
    env.put("KAFKA_PARTITIONS", "1");
    env.put("HTTP_INSTANCES", "1");
    env.put("TRACE_IDLE_MS", "300");
    env.put("MIN_FREE_DISK_BYTES", "0");
    PipelineApp pipeline = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    Vertx vertx = Vertx.vertx();
    try {
      String pipelineUrl = "http://127.0.0.1:" + pipeline.config().httpPort();
      int apiPort = freePort();
      TicketServices services = TicketServices.start(vertx, Map.of("TRACER_ENDPOINT", pipelineUrl,
          "TRACER_FLUSH_INTERVAL_MS", "100"), apiPort, freePort()).toCompletionStage().toCompletableFuture().get();

      String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      HttpResponse<String> run = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
              + "/api/tickets/T-1/run")).header("X-Trace-ID", traceId).header("X-Tenant-ID", "acme")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, run.statusCode(), run.body());
      assertEquals(traceId, run.headers().firstValue("X-Trace-ID").orElse(null), "the trace id is echoed");
      services.close().toCompletionStage().toCompletableFuture().get(); // flushes both tracers

      JsonObject trace = awaitTrace(pipelineUrl, traceId);
      assertEquals("complete", trace.getString("verdict"), trace.encodePrettily());
      assertEquals(0, trace.getInteger("orphan_count"));
      List<String> path = new ArrayList<>();
      JsonObject node = trace.getJsonObject("root");
      assertEquals("ticket-api", node.getJsonObject("attributes").getString("service.name"));
      assertEquals("acme", node.getString("tenant_id"));
      // Down the claim's branch: the agent's server span continues the client span of the call.
      while (node != null) {
        path.add(node.getString("span_name") + "@" + node.getJsonObject("attributes").getString("service.name"));
        JsonArray children = node.getJsonArray("children");
        JsonObject next = null;
        for (int i = 0; i < children.size(); i++) {
          if (!children.getJsonObject(i).getString("span_name").equals("ticket.complete")) {
            next = children.getJsonObject(i);
          }
        }
        node = next;
      }
      assertEquals(List.of("http.request@ticket-api", "ticket.claim@ticket-api", "http.client@ticket-api",
          "http.request@agent", "agent.execute@agent", "llm.generate@agent"), path);
      assertEquals(7, trace.getInteger("span_count"), "the six above and ticket.complete");
      assertTrue(trace.encode().contains("\"ticket.complete\""));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
      pipeline.stop();
    }
  }

  private static JsonObject awaitTrace(String pipelineUrl, String traceId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> r;
    do {
      r = HTTP.send(HttpRequest.newBuilder(URI.create(pipelineUrl + "/api/traces/" + traceId)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        JsonObject trace = new JsonObject(r.body());
        if (trace.getInteger("span_count") >= 7) {
          return trace;
        }
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("trace " + traceId + " not stored within 30 s: " + r.statusCode() + " " + r.body());
  }

  /** A free port below the kernel's ephemeral range, so no client's source port takes it meanwhile. */
  private static int freePort() throws IOException {
    for (int i = 0; i < 100; i++) {
      int port = ThreadLocalRandom.current().nextInt(15_000, 32_000);
      try (ServerSocket s = new ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // another
      }
    }
    throw new IOException("no free port");
  }
}
