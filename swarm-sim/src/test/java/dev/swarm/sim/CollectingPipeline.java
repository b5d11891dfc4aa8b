package dev.swarm.sim;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A real HTTP server standing in for the pipeline's ingest: keeps every span POSTed, answers 202. */
final class CollectingPipeline implements AutoCloseable {
  private final HttpServer server;
  private final List<JsonObject> spans = new CopyOnWriteArrayList<>();
  private final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();

  CollectingPipeline(Vertx vertx) throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if (!req.path().equals("/api/traces") || !"application/json".equals(req.getHeader("Content-Type"))) {
                    req.response().setStatusCode(404).end();
                    return;
                  }
                  req.body()
                      .onSuccess(
                          body -> {
                            JsonArray batch = body.toJsonArray();
                            long now = System.currentTimeMillis();
                            batch.forEach(span -> {
                              spans.add((JsonObject) span);
                              arrivedAt.put(((JsonObject) span).getString("id"), now);
                            });
                            req.response()
                                .setStatusCode(202)
                                .putHeader("Content-Type", "application/json")
                                .end(new JsonObject().put("accepted", batch.size()).encode());
                          });
                });
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Wall-clock epoch milliseconds at which the span with this id arrived. */
  long arrivedAt(String spanId) {
    return arrivedAt.get(spanId);
  }

  List<JsonObject> spans() {
    return new ArrayList<>(spans);
  }

  /** Spans grouped by trace, traces in order of their first span's arrival. */
  Map<String, List<JsonObject>> traces() {
    Map<String, List<JsonObject>> traces = new LinkedHashMap<>();
    for (JsonObject span : spans) {
      traces.computeIfAbsent(span.getString("trace_id"), k -> new ArrayList<>()).add(span);
    }
    return traces;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
