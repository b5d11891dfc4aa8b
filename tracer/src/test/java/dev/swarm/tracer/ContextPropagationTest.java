package dev.swarm.tracer;

import static dev.swarm.tracer.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The current span follows each request's Vert.x context through asynchronous continuations, and never leaks
 * into other requests or unrelated tasks on the same event loop.
 */
class ContextPropagationTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Vertx vertx;
  private static Tracer tracer;
  private static final List<SpanData> finished = new CopyOnWriteArrayList<>();
  private static HttpServer server;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    tracer = Tracer.withSink(new TracerOptions(), finished::add);
    Router router = Router.router(vertx);
    router.route().handler(TracingHandler.create(tracer));
    // Reads the current span before and after an asynchronous wait, and starts a child in the continuation.
    router
        .get("/slow/:ms")
        .handler(
            ctx -> {
              Span before = tracer.currentSpan();
              String mdcBefore = MDC.get("trace_id");
              vertx
                  .timer(Long.parseLong(ctx.pathParam("ms")))
                  .compose(
                      t -> {
                        Span after = tracer.currentSpan();
                        Span child = tracer.startSpan("work");
                        child.end();
                        return vertx
                            .executeBlocking(() -> tracer.currentSpan())
                            .map(
                                onWorker ->
                                    new JsonObject()
                                        .put("before", before.traceId())
                                        .put("mdc_before", mdcBefore)
                                        .put("after", after.traceId())
                                        .put("child_parent", child.parentSpanId())
                                        .put("request_span", before.spanId())
                                        .put("on_worker", onWorker.traceId()));
                      })
                  .onSuccess(json -> ctx.json(json))
                  .onFailure(ctx::fail);
            });
    // inSpan: continuations inside see the child; the caller's continuation sees the request span again.
    router
        .get("/in-span")
        .handler(
            ctx -> {
              Span request = tracer.currentSpan();
              Span step = tracer.startSpan("step");
              tracer
                  .inSpan(step, () -> vertx.timer(5).map(t -> tracer.currentSpan().spanId()))
                  .onSuccess(
                      insideAfterWait ->
                          ctx.json(
                              new JsonObject()
                                  .put("step", step.spanId())
                                  .put("inside_after_wait", insideAfterWait)
                                  .put("request", request.spanId())
                                  .put("caller_after", tracer.currentSpan().spanId())));
            });
    server = vertx.createHttpServer().requestHandler(router);
    await(server.listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
  }

  private static CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theTracerHasItsOwnContextLocalSlot() {
    assertTrue(((VertxInternal) vertx).contextLocals().contains(ContextStorageProvider.CURRENT_SPAN));
  }

  @Test
  void concurrentRequestsOnOneEventLoopEachKeepTheirOwnSpan() {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(getAsync("/slow/" + (1 + (i % 3) * 20))); // interleaved continuations on one event loop
    }
    Set<String> traces = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.join();
      assertEquals(200, response.statusCode(), response.body());
      JsonObject seen = new JsonObject(response.body());
      String echoed = response.headers().firstValue("X-Trace-ID").orElseThrow();
      assertEquals(echoed, seen.getString("before"));
      assertEquals(echoed, seen.getString("after"), "continuation kept its request's span");
      assertEquals(echoed, seen.getString("on_worker"), "executeBlocking kept it too");
      assertEquals(echoed, seen.getString("mdc_before"), "MDC carried the trace id in the handler");
      assertEquals(seen.getString("request_span"), seen.getString("child_parent"));
      traces.add(echoed);
    }
    assertEquals(30, traces.size());
  }

  @Test
  void nothingIsCurrentInUnrelatedTasksOnTheEventLoop() {
    getAsync("/slow/1").join();
    Promise<Span> seen = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> seen.complete(tracer.currentSpan()));
    assertNull(await(seen.future()));
    Promise<Span> timer = Promise.promise();
    vertx.setTimer(1, id -> timer.complete(tracer.currentSpan()));
    assertNull(await(timer.future()));
  }

  @Test
  void inSpanScopesAsyncWorkAndRestoresTheCallersSpan() {
    JsonObject seen = new JsonObject(getAsync("/in-span").join().body());
    assertEquals(seen.getString("step"), seen.getString("inside_after_wait"));
    assertEquals(seen.getString("request"), seen.getString("caller_after"));
    SpanData step =
        finished.stream().filter(s -> s.spanId().equals(seen.getString("step"))).findFirst().orElseThrow();
    assertEquals(SpanStatus.OK, step.status(), "inSpan ended the span with its outcome");
  }

  @Test
  void inSpanRecordsAFailure() {
    Span failing = tracer.startSpan("failing");
    Future<Object> result = tracer.inSpan(failing, () -> Future.failedFuture(new IllegalStateException("nope")));
    assertTrue(result.failed());
    SpanData data = finished.stream().filter(s -> s.spanId().equals(failing.spanId())).findFirst().orElseThrow();
    assertEquals(SpanStatus.ERROR, data.status());
    assertEquals("exception", data.events().get(0).name());
  }

  @Test
  void scopesOnAnEventLoopRestoreWhatWasThere() {
    Promise<List<Span>> seen = Promise.promise();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              Span outer = tracer.startSpan("outer");
              List<Span> out = new ArrayList<>();
              try (Scope s = outer.makeCurrent()) {
                out.add(tracer.currentSpan());
              }
              out.add(tracer.currentSpan());
              seen.complete(out);
            });
    List<Span> out = await(seen.future());
    assertNotNull(out.get(0));
    assertNull(out.get(1));
  }

  @Test
  void bindCarriesTheSpanIntoAnotherThread() throws Exception {
    Span span = tracer.startSpan("bound");
    String[] mdc = new String[1];
    Span[] current = new Span[1];
    Thread t;
    try (Scope s = span.makeCurrent()) {
      io.vertx.core.Handler<Void> bound =
          tracer.bind(
              v -> {
                current[0] = tracer.currentSpan();
                mdc[0] = MDC.get("span_id");
              });
      t = new Thread(() -> bound.handle(null));
    }
    t.start();
    t.join();
    assertEquals(span, current[0]);
    assertEquals(span.spanId(), mdc[0]);
  }
}
