package dev.swarm.tracer;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A real HTTP server playing the pipeline's ingest: it answers POST /api/traces per a script (request number to
 * status; extra headers for 503) and keeps the spans of the requests it accepted (2xx).
 */
final class FakeIngest implements AutoCloseable {
  /** What to answer to the n-th request (1-based). */
  record Answer(int status, String retryAfter, String body) {
    static Answer accepted() {
      return new Answer(202, null, null);
    }
  }

  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final List<JsonObject> spans = new CopyOnWriteArrayList<>();
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

  private FakeIngest(HttpServer server) {
    this.server = server;
  }

  static FakeIngest start(Vertx vertx, IntFunction<Answer> script) {
    FakeIngest[] self = new FakeIngest[1];
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              int n = self[0].requests.incrementAndGet();
                              Answer answer = script.apply(n);
                              JsonArray batch = body.toJsonArray();
                              self[0].batchSizes.add(batch.size());
                              if (answer.status() >= 200 && answer.status() < 300) {
                                for (Object span : batch) {
                                  self[0].spans.add((JsonObject) span);
                                }
                              }
                              var response = req.response().setStatusCode(answer.status());
                              if (answer.retryAfter() != null) {
                                response.putHeader("Retry-After", answer.retryAfter());
                              }
                              String text =
                                  answer.body() != null
                                      ? answer.body()
                                      : new JsonObject().put("accepted", batch.size()).encode();
                              response.putHeader("Content-Type", "application/json").end(text);
                            }));
    self[0] = new FakeIngest(server);
    TestSupport.await(server.listen(0, "127.0.0.1"));
    return self[0];
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  int requests() {
    return requests.get();
  }

  List<JsonObject> spans() {
    return new ArrayList<>(spans);
  }

  List<Integer> batchSizes() {
    return new ArrayList<>(batchSizes);
  }

  @Override
  public void close() {
    TestSupport.await(server.close());
  }
}
