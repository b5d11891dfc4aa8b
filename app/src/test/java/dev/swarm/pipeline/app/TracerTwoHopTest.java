package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.tracer.TraceIds;
import dev.swarm.tracer.Tracer;
import dev.swarm.tracer.TracerOptions;
import dev.swarm.tracer.TracingHandler;
import dev.swarm.tracer.TracingWebClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instrumented services, A calling B through the tracer's WebClient, export to a real pipeline started in
 * this JVM; the pipeline stores one trace under the id the caller chose, with A's request as root, A's client
 * span below it and B's request below that.
 */
class TracerTwoHopTest {
  @TempDir static Path dir;
  static PipelineApp app;
  static Http pipeline;
  static Vertx vertx;
  static Tracer tracerA;
  static Tracer tracerB;
  static HttpServer serviceA;
  static HttpServer serviceB;

  @BeforeAll
  static void start() throws Exception {
    app = TestPipeline.start(dir, Map.of("TRACE_IDLE_MS", "300"));
    pipeline = new Http(app.config().httpPort());
    vertx = Vertx.vertx();
    TracerOptions export =
        new TracerOptions().setEndpoint("http://127.0.0.1:" + app.config().httpPort()).setFlushIntervalMs(100);
    tracerA = Tracer.create(vertx, export);
    tracerB = Tracer.create(vertx, export);

    Router b = Router.router(vertx);
    b.route().handler(TracingHandler.create(tracerB));
    b.get("/api/vms/:id").handler(ctx -> ctx.json(new JsonObject().put("vm", ctx.pathParam("id"))));
    serviceB = vertx.createHttpServer().requestHandler(b);
    serviceB.listen(0, "127.0.0.1").await();

    TracingWebClient client = TracingWebClient.wrap(WebClient.create(vertx), tracerA);
    Router a = Router.router(vertx);
    a.route().handler(TracingHandler.create(tracerA));
    a.get("/api/tickets/:id")
        .handler(
            ctx ->
                client
                    .send(client.client().get(serviceB.actualPort(), "127.0.0.1", "/api/vms/vm-7"))
                    .onSuccess(r -> ctx.json(r.bodyAsJsonObject()))
                    .onFailure(ctx::fail));
    serviceA = vertx.createHttpServer().requestHandler(a);
    serviceA.listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      tracerA.close().await();
      tracerB.close().await();
      vertx.close().await();
    }
    if (app != null) {
      app.stop();
    }
  }

  private static HttpResponse<String> getWithTraceId(int port, String path, String traceId) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Trace-ID", traceId).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theCallersTraceIdNamesOneStoredTraceWithParentLinksAcrossServices() {
    String traceId = TraceIds.newTraceId();
    HttpResponse<String> answer = getWithTraceId(serviceA.actualPort(), "/api/tickets/T-42", traceId);
    assertEquals(200, answer.statusCode(), answer.body());
    assertEquals(traceId, answer.headers().firstValue("X-Trace-ID").orElseThrow());
    Await.until(
        "both services exported their spans",
        Duration.ofSeconds(30),
        () -> tracerA.stats().exported() + "/" + tracerB.stats().exported(),
        s -> tracerA.stats().exported() >= 2 && tracerB.stats().exported() >= 1);

    JsonObject trace =
        Await.until(
            "trace " + traceId + " stored and complete",
            Duration.ofSeconds(60),
            () -> pipeline.get("/api/traces/" + traceId),
            r -> r.statusCode() == 200 && new JsonObject(r.body()).getBoolean("complete", false))
            .body()
            .transform(JsonObject::new);

    assertEquals(traceId, trace.getString("trace_id"));
    assertEquals(3, trace.getInteger("span_count"));
    assertEquals(0, trace.getInteger("orphan_count"));
    JsonObject root = trace.getJsonObject("root");
    assertEquals("http.request", root.getString("span_name"));
    assertEquals("/api/tickets/:id", root.getJsonObject("attributes").getString("path"));
    assertFalse(root.containsKey("parent_span_id") && root.getValue("parent_span_id") != null);

    JsonArray rootChildren = root.getJsonArray("children");
    assertEquals(1, rootChildren.size());
    JsonObject clientSpan = rootChildren.getJsonObject(0);
    assertEquals(TracingWebClient.SPAN_NAME, clientSpan.getString("span_name"));
    assertEquals("client", clientSpan.getString("span_kind"));
    assertEquals(root.getString("id"), clientSpan.getString("parent_span_id"));

    JsonArray clientChildren = clientSpan.getJsonArray("children");
    assertEquals(1, clientChildren.size());
    JsonObject calleeRequest = clientChildren.getJsonObject(0);
    assertEquals("http.request", calleeRequest.getString("span_name"));
    assertEquals("/api/vms/:id", calleeRequest.getJsonObject("attributes").getString("path"));
    assertEquals(clientSpan.getString("id"), calleeRequest.getString("parent_span_id"));
    assertTrue(calleeRequest.getJsonArray("children") == null || calleeRequest.getJsonArray("children").isEmpty());
  }
}
