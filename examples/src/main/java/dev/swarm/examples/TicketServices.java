package dev.swarm.examples;

import dev.swarm.tracer.Span;
import dev.swarm.tracer.SwarmSpans;
import dev.swarm.tracer.Tracer;
import dev.swarm.tracer.TracerOptions;
import dev.swarm.tracer.TracingHandler;
import dev.swarm.tracer.TracingWebClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;

/**
 * Two services of a Swarm deployment, instrumented as docs/instrumentation.md describes (the doc quotes this
 * file): {@code ticket-api} answers {@code POST /api/tickets/:id/run}, claims the ticket and asks {@code agent}
 * to execute it ({@code POST /api/agents/:agent/execute}) through {@link TracingWebClient}; the agent makes an LLM
 * call. Each service has its own tracer and service name; the request's {@code X-Trace-ID} (or
 * {@code traceparent}) makes all their spans one trace:
 *
 * <pre>
 * http.request (ticket-api) ── ticket.claim ── http.client ── http.request (agent) ── agent.execute ── llm.generate
 *                          └── ticket.complete
 * </pre>
 */
public final class TicketServices {
  private final Vertx vertx;
  private final Tracer apiTracer;
  private final Tracer agentTracer;
  private final List<HttpServer> servers;

  private TicketServices(Vertx vertx, Tracer apiTracer, Tracer agentTracer, List<HttpServer> servers) {
    this.vertx = vertx;
    this.apiTracer = apiTracer;
    this.agentTracer = agentTracer;
    this.servers = servers;
  }

  /**
   * Starts both services on 127.0.0.1.
   *
   * @param env {@code TRACER_*} settings (TRACER_ENDPOINT: the pipeline); each service sets its own name
   */
  public static Future<TicketServices> start(Vertx vertx, Map<String, String> env, int apiPort, int agentPort) {
    // Set-up, once per service: a tracer whose spans carry the service's name.
    Tracer apiTracer = Tracer.create(vertx, TracerOptions.fromEnv(env).setServiceName("ticket-api"));
    Tracer agentTracer = Tracer.create(vertx, TracerOptions.fromEnv(env).setServiceName("agent"));
    Future<HttpServer> agent = vertx.createHttpServer().requestHandler(agentRouter(vertx, agentTracer))
        .listen(agentPort, "127.0.0.1");
    Future<HttpServer> api = vertx.createHttpServer().requestHandler(apiRouter(vertx, apiTracer, agentPort))
        .listen(apiPort, "127.0.0.1");
    return Future.all(agent, api).map(all -> new TicketServices(vertx, apiTracer, agentTracer,
        List.of(api.result(), agent.result())));
  }

  /** The ticket API: an http.request span per request, the tenant from the caller, a claim around the agent call. */
  static Router apiRouter(Vertx vertx, Tracer tracer, int agentPort) {
    SwarmSpans swarm = tracer.swarm();
    TracingWebClient http = TracingWebClient.wrap(WebClient.create(vertx), tracer);
    Router router = Router.router(vertx);
    router.route().handler(TracingHandler.create(tracer));     // first: every request is an http.request span
    router.route().handler(ctx -> {                            // then the tenant, as soon as it is known (here a
      String tenant = ctx.request().getHeader("X-Tenant-ID");  // header; behind your auth handler, the user's)
      if (tenant != null) {
        TracingHandler.span(ctx).setTenantId(tenant);
      }
      ctx.next();
    });
    router.post("/api/tickets/:id/run").handler(ctx -> {
      String ticketId = ctx.pathParam("id");
      String agentId = "agent-7";
      Span claim = swarm.ticketClaim(ticketId, agentId, 3);   // queue_depth 3: dashboards chart it
      tracer.inSpan(claim, () -> http.sendJson(                 // the client span is the claim's child
              http.client().post(agentPort, "127.0.0.1", "/api/agents/" + agentId + "/execute"),
              new JsonObject().put("ticket_id", ticketId)))
          .compose(answer -> {
            Span complete = swarm.ticketComplete(answer.bodyAsJsonObject().getLong("duration_ms"));
            complete.setAttribute("outcome", "completed").end();
            return Future.succeededFuture(answer.bodyAsJsonObject());
          })
          .onSuccess(ctx::json)
          .onFailure(ctx::fail);
    });
    return router;
  }

  /** The agent: its http.request continues the caller's trace; the work is agent.execute with an LLM call. */
  static Router agentRouter(Vertx vertx, Tracer tracer) {
    SwarmSpans swarm = tracer.swarm();
    Router router = Router.router(vertx);
    router.route().handler(TracingHandler.create(tracer));
    router.post("/api/agents/:agent/execute").handler(BodyHandler.create().setBodyLimit(64 * 1024));
    router.post("/api/agents/:agent/execute").handler(ctx -> {
      long started = System.currentTimeMillis();
      Span execute = swarm.agentExecute("claude-code");
      tracer.inSpan(execute, () -> {
        Span llm = swarm.llmGenerate("claude-sonnet");
        // ... the model call; the prompt never goes into the span
        llm.setAttribute(SwarmSpans.TOKENS, 1234);
        llm.end();
        return Future.succeededFuture();
      }).onComplete(done -> ctx.json(new JsonObject().put("ticket_id", ctx.body().asJsonObject().getString("ticket_id"))
          .put("duration_ms", System.currentTimeMillis() - started)));
    });
    return router;
  }

  /** Stops both servers, then flushes what the tracers hold (on shutdown, after the servers stopped taking requests). */
  public Future<Void> close() {
    return Future.all(servers.stream().map(HttpServer::close).toList())
        .compose(v -> Future.all(apiTracer.close(), agentTracer.close()))
        .mapEmpty();
  }

  /** Runs both services until the process is stopped: {@code TRACER_ENDPOINT=http://127.0.0.1:8080 java … TicketServices}. */
  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    start(vertx, System.getenv(), 8091, 8092).onSuccess(s -> {
      System.out.println("ticket-api on http://127.0.0.1:8091, agent on http://127.0.0.1:8092; try:");
      System.out.println("  curl -s -X POST -H 'X-Trace-ID: 4bf92f3577b34da6a3ce929d0e0e4736' -H 'X-Tenant-ID: acme'"
          + " http://127.0.0.1:8091/api/tickets/T-1/run");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> s.close().toCompletionStage().toCompletableFuture().join()));
    }).onFailure(e -> {
      System.err.println("could not start: " + e);
      vertx.close();
    });
  }
}
