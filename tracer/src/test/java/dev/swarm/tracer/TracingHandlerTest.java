package dev.swarm.tracer;

import static dev.swarm.tracer.TestSupport.await;
import static dev.swarm.tracer.TestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbound side against a real Vert.x server, exporting to a real (in-test) ingest. */
class TracingHandlerTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static Vertx vertx;
  private FakeIngest ingest;
  private Tracer tracer;
  private HttpServer server;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    await(vertx.close());
  }

  @BeforeEach
  void start() {
    ingest = FakeIngest.start(vertx, n -> FakeIngest.Answer.accepted());
    tracer = Tracer.create(vertx, new TracerOptions().setEndpoint(ingest.endpoint()).setFlushIntervalMs(20));
    Router router = Router.router(vertx);
    router.route().handler(TracingHandler.create(tracer));
    router.get("/api/tickets/:id").handler(ctx -> ctx.response().end("ticket " + ctx.pathParam("id")));
    router.get("/boom").handler(ctx -> ctx.response().setStatusCode(503).end());
    router.get("/throw").handler(ctx -> {
      throw new IllegalStateException("handler bug");
    });
    TracingHandler tracing = TracingHandler.create(tracer);
    Router v1 = Router.router(vertx);
    v1.route().handler(tracing); // mounted again: refines the template, does not start another span
    v1.get("/items/:item").handler(ctx -> ctx.response().end("item"));
    router.route("/v1/*").subRouter(v1);
    Router v2 = Router.router(vertx);
    v2.get("/items/:item").handler(ctx -> ctx.response().end("item"));
    router.route("/v2/*").subRouter(v2);
    server = vertx.createHttpServer().requestHandler(router);
    await(server.listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() {
    await(server.close());
    await(tracer.close());
    ingest.close();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject onlySpan() {
    until("one span exported", () -> ingest.spans().size() >= 1);
    List<JsonObject> spans = ingest.spans();
    assertEquals(1, spans.size(), spans::toString);
    return spans.get(0);
  }

  @Test
  void traceparentWinsAndTheRouteTemplateIsRecorded() throws Exception {
    HttpResponse<String> r =
        get("/api/tickets/T-17?x=1", "traceparent", "00-" + TRACE + "-" + SPAN + "-01", "X-Trace-ID", "0af7651916cd43dd8448eb211c80319c");
    assertEquals(200, r.statusCode());
    assertEquals(TRACE, r.headers().firstValue("X-Trace-ID").orElseThrow());
    JsonObject span = onlySpan();
    assertEquals("http.request", span.getString("span_name"));
    assertEquals("server", span.getString("span_kind"));
    assertEquals(TRACE, span.getString("trace_id"));
    assertEquals(SPAN, span.getString("parent_span_id"));
    assertEquals("ok", span.getString("status"));
    assertEquals(
        new JsonObject().put("method", "GET").put("path", "/api/tickets/:id").put("status_code", 200),
        span.getJsonObject("attributes"));
  }

  @Test
  void xTraceIdAloneMakesTheRootOfThatTraceInLowerCase() throws Exception {
    HttpResponse<String> r = get("/api/tickets/1", "X-Trace-ID", TRACE.toUpperCase());
    assertEquals(TRACE, r.headers().firstValue("X-Trace-ID").orElseThrow());
    JsonObject span = onlySpan();
    assertEquals(TRACE, span.getString("trace_id"));
    assertFalse(span.containsKey("parent_span_id"));
  }

  @Test
  void invalidHeadersStartANewTrace() throws Exception {
    HttpResponse<String> r =
        get("/api/tickets/1", "traceparent", "00-" + "0".repeat(32) + "-" + SPAN + "-01", "X-Trace-ID", "nope");
    String echoed = r.headers().firstValue("X-Trace-ID").orElseThrow();
    assertTrue(TraceIds.isValidTraceId(echoed), echoed);
    JsonObject span = onlySpan();
    assertEquals(echoed, span.getString("trace_id"));
    assertNull(span.getString("parent_span_id"));
  }

  @Test
  void baggageSetsTheSwarmIds() throws Exception {
    get("/api/tickets/1", "X-Trace-ID", TRACE, "baggage", "tenant_id=acme,ticket_id=T-1");
    JsonObject span = onlySpan();
    assertEquals("acme", span.getString("tenant_id"));
    assertEquals("T-1", span.getString("ticket_id"));
  }

  @Test
  void serverErrorsAreErrorSpans() throws Exception {
    assertEquals(503, get("/boom").statusCode());
    JsonObject span = onlySpan();
    assertEquals("error", span.getString("status"));
    assertEquals(503, span.getJsonObject("attributes").getInteger("status_code"));
    assertEquals("/boom", span.getJsonObject("attributes").getString("path"));
  }

  @Test
  void aThrowingHandlerGivesAnErrorSpanWithTheException() throws Exception {
    assertEquals(500, get("/throw").statusCode());
    JsonObject span = onlySpan();
    assertEquals("error", span.getString("status"));
    JsonObject event = span.getJsonArray("events").getJsonObject(0);
    assertEquals("exception", event.getString("name"));
    assertEquals("java.lang.IllegalStateException", event.getJsonObject("attributes").getString("type"));
  }

  @Test
  void unmatchedRequestsNeverRecordTheRawPath() throws Exception {
    assertEquals(404, get("/no/such/thing/12345").statusCode());
    JsonObject span = onlySpan();
    assertEquals("unmatched", span.getJsonObject("attributes").getString("path"));
    assertEquals("ok", span.getString("status"));
  }

  @Test
  void subRouterRoutesIncludeTheMountPoint() throws Exception {
    assertEquals(200, get("/v1/items/99").statusCode());
    assertEquals("/v1/items/:item", onlySpan().getJsonObject("attributes").getString("path"));
  }

  @Test
  void withoutTheHandlerInTheSubRouterTheMountPrefixIsRecorded() throws Exception {
    assertEquals(200, get("/v2/items/99").statusCode());
    assertEquals("/v2/", onlySpan().getJsonObject("attributes").getString("path"));
  }

  @Test
  void eachRequestIsItsOwnTrace() throws Exception {
    String a = get("/api/tickets/1").headers().firstValue("X-Trace-ID").orElseThrow();
    String b = get("/api/tickets/1").headers().firstValue("X-Trace-ID").orElseThrow();
    assertNotEquals(a, b);
  }
}
