package dev.swarm.tracer;

import static dev.swarm.tracer.TestSupport.await;
import static dev.swarm.tracer.TestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Service A calls service B through the tracing WebClient; both export to one in-test ingest. */
class TracingWebClientTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static Vertx vertx;
  private static FakeIngest ingest;
  private static Tracer tracerA;
  private static Tracer tracerB;
  private static HttpServer serviceA;
  private static HttpServer serviceB;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    ingest = FakeIngest.start(vertx, n -> FakeIngest.Answer.accepted());
    TracerOptions options = new TracerOptions().setEndpoint(ingest.endpoint()).setFlushIntervalMs(20);
    tracerA = Tracer.create(vertx, options);
    tracerB = Tracer.create(vertx, options);

    Router b = Router.router(vertx);
    b.route().handler(TracingHandler.create(tracerB));
    b.get("/api/vms/:id")
        .handler(
            ctx ->
                ctx.json(
                    new JsonObject()
                        .put("traceparent", ctx.request().getHeader("traceparent"))
                        .put("x_trace_id", ctx.request().getHeader("X-Trace-ID"))
                        .put("baggage", ctx.request().getHeader("baggage"))));
    serviceB = vertx.createHttpServer().requestHandler(b);
    await(serviceB.listen(0, "127.0.0.1"));

    TracingWebClient http = TracingWebClient.wrap(WebClient.create(vertx), tracerA);
    Router a = Router.router(vertx);
    a.route().handler(TracingHandler.create(tracerA));
    a.get("/api/tickets/:id")
        .handler(
            ctx -> {
              TracingHandler.span(ctx).setTenantId("acme");
              http.send(http.client().get(serviceB.actualPort(), "127.0.0.1", "/api/vms/vm-1?token=secret"))
                  .onSuccess(r -> ctx.json(r.bodyAsJsonObject()))
                  .onFailure(ctx::fail);
            });
    a.get("/down")
        .handler(
            ctx ->
                http.send(http.client().get(1, "127.0.0.1", "/nothing"))
                    .onComplete(ar -> ctx.response().setStatusCode(ar.succeeded() ? 200 : 502).end()));
    serviceA = vertx.createHttpServer().requestHandler(a);
    await(serviceA.listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    await(tracerA.close());
    await(tracerB.close());
    ingest.close();
    await(vertx.close());
  }

  private static Map<String, JsonObject> spansOf(String traceId, int expected) {
    until(expected + " spans of " + traceId, () -> ofTrace(traceId).size() >= expected);
    List<JsonObject> spans = ofTrace(traceId);
    assertEquals(expected, spans.size(), spans::toString);
    // Server spans by route template, others by name.
    return spans.stream()
        .collect(
            Collectors.toMap(
                s -> s.getString("span_kind").equals("server") ? s.getJsonObject("attributes").getString("path") : s.getString("span_name"),
                Function.identity()));
  }

  private static List<JsonObject> ofTrace(String traceId) {
    return ingest.spans().stream().filter(s -> traceId.equals(s.getString("trace_id"))).toList();
  }

  @Test
  void theCalleesSpanIsAChildOfTheCallersClientSpan() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serviceA.actualPort() + "/api/tickets/T-1"))
                    .header("X-Trace-ID", TRACE)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    JsonObject seenByB = new JsonObject(response.body());

    Map<String, JsonObject> spans = spansOf(TRACE, 3);
    JsonObject aServer = spans.get("/api/tickets/:id");
    JsonObject aClient = spans.get("http.client");
    JsonObject bServer = spans.get("/api/vms/:id");
    assertTrue(!aServer.containsKey("parent_span_id"), "A's request is the root: the caller sent only X-Trace-ID");
    assertEquals("ok", aServer.getString("status"));
    assertEquals("ok", bServer.getString("status"));
    assertEquals(aServer.getString("id"), aClient.getString("parent_span_id"));
    assertEquals(aClient.getString("id"), bServer.getString("parent_span_id"));
    assertEquals("00-" + TRACE + "-" + aClient.getString("id") + "-01", seenByB.getString("traceparent"));
    assertEquals(TRACE, seenByB.getString("x_trace_id"));
    assertEquals("tenant_id=acme", seenByB.getString("baggage"));
    assertEquals("acme", bServer.getString("tenant_id"), "the tenant crossed the service boundary");
    JsonObject clientAttrs = aClient.getJsonObject("attributes");
    assertEquals("GET", clientAttrs.getString("method"));
    assertEquals("http://127.0.0.1:" + serviceB.actualPort() + "/api/vms/vm-1", clientAttrs.getString("url"));
    assertEquals(200, clientAttrs.getInteger("status_code"));
    assertEquals("/api/vms/:id", bServer.getJsonObject("attributes").getString("path"));
  }

  @Test
  void aFailedCallIsAnErrorClientSpan() throws Exception {
    String trace = TraceIds.newTraceId();
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serviceA.actualPort() + "/down"))
                    .header("X-Trace-ID", trace)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(502, response.statusCode());
    Map<String, JsonObject> spans = spansOf(trace, 2);
    JsonObject client = spans.get("http.client");
    assertEquals("error", client.getString("status"));
    assertEquals("exception", client.getJsonArray("events").getJsonObject(0).getString("name"));
  }
}
