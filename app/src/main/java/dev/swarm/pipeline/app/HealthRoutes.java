package dev.swarm.pipeline.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Liveness, readiness (with the list of failing checks) and the Prometheus scrape endpoint. */
final class HealthRoutes {
  private final Map<String, Supplier<String>> readinessChecks = new LinkedHashMap<>();
  private final PrometheusMeterRegistry registry;

  HealthRoutes(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** Adds a readiness check: the supplier returns null when healthy, else why not. */
  HealthRoutes check(String name, Supplier<String> failure) {
    readinessChecks.put(name, failure);
    return this;
  }

  void mount(Router router) {
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
  }

  private void ready(RoutingContext ctx) {
    JsonArray failing = new JsonArray();
    for (Map.Entry<String, Supplier<String>> c : readinessChecks.entrySet()) {
      String why = c.getValue().get();
      if (why != null) {
        failing.add(new JsonObject().put("check", c.getKey()).put("error", why));
      }
    }
    if (failing.isEmpty()) {
      json(ctx, 200, new JsonObject().put("status", "ready"));
    } else {
      json(ctx, 503, new JsonObject().put("status", "not ready").put("failing", failing));
    }
  }

  private void metrics(RoutingContext ctx) {
    // Scraping formats every series: small, but not event-loop work at thousands of series.
    // On a pool of its own: Vert.x's shared worker pool may run below ingest (DownstreamThreads), and a scrape
    // must not time out during the very burst it should show.
    scrapeExecutor(ctx.vertx())
        .executeBlocking(registry::scrape, false)
        .onSuccess(text -> ctx.response()
            .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .end(text))
        .onFailure(ctx::fail);
  }

  private volatile io.vertx.core.WorkerExecutor scrapeExecutor;

  private io.vertx.core.WorkerExecutor scrapeExecutor(io.vertx.core.Vertx vertx) {
    io.vertx.core.WorkerExecutor e = scrapeExecutor;
    if (e == null) {
      synchronized (this) {
        if (scrapeExecutor == null) {
          scrapeExecutor = vertx.createSharedWorkerExecutor(DownstreamThreads.METRICS_POOL, 1);
        }
        e = scrapeExecutor;
      }
    }
    return e;
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
