package dev.swarm.pipeline.app.auth;

import dev.swarm.pipeline.app.auth.TokenFile.Token;
import dev.swarm.pipeline.ingest.IngestFlow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Objects;

/**
 * Checks credentials before any route but the operational ones ({@code /health/*}, {@code /metrics}) and the UI's
 * static files: unknown or missing credentials are answered 401 with {@code WWW-Authenticate} (Bearer, and Basic
 * unless a script asks with {@code X-Requested-With}), a token without the needed scope 403. Writes (POST, PUT) need {@code write}, everything else
 * {@code read}. A tenant's token makes the request write as that tenant ({@link IngestFlow#WRITE_TENANT}); a token
 * of every tenant writes the spans' own tenants, or the one {@code X-Scope-OrgID} names.
 */
public final class AuthRoutes {
  static final String REALM = "trace-pipeline";

  private final Authenticator authenticator;
  private final Counter ok;
  private final Counter unauthenticated;
  private final Counter forbidden;

  public AuthRoutes(Authenticator authenticator, MeterRegistry registry) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    ok = outcome(registry, "ok");
    unauthenticated = outcome(registry, "unauthenticated");
    forbidden = outcome(registry, "forbidden");
  }

  private static Counter outcome(MeterRegistry registry, String outcome) {
    return Counter.builder("trace.auth.requests")
        .description("Requests checked for credentials, by outcome (unauthenticated = 401, forbidden = 403)")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** Mount before every other route. */
  public void mount(Router router) {
    router.route().handler(this::check);
  }

  private void check(RoutingContext ctx) {
    String path = ctx.request().path();
    // The UI's files hold no trace data; the UI asks for a token when the API it calls answers 401.
    if (path.startsWith("/health/") || path.equals("/metrics") || path.equals("/") || path.equals("/ui")
        || path.startsWith("/ui/")) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    Token token = authenticator.authenticate(header);
    if (token == null) {
      unauthenticated.increment();
      ctx.response().headers().add("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
      if (ctx.request().getHeader("X-Requested-With") == null) {
        // A script's request (the UI's) asks for no Basic challenge, so the browser shows no dialog of its own.
        ctx.response().headers().add("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
      }
      error(ctx, 401, header == null
          ? "credentials needed: Authorization: Bearer <token> (or HTTP Basic with the token as the password)"
          : "unknown token");
      return;
    }
    HttpMethod method = ctx.request().method();
    boolean write = method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT);
    Scope needed = write ? Scope.WRITE : Scope.READ;
    if (!token.scopes().contains(needed)) {
      forbidden.increment();
      error(ctx, 403, "the token has no " + needed.wire() + " scope (it has " + wires(token) + ")");
      return;
    }
    String tenant = token.tenant();
    if (TenantIds.ANY.equals(tenant)) {
      String org = ctx.request().getHeader("X-Scope-OrgID");
      if (org != null) {
        String problem = TenantIds.problem(org);
        if (problem != null) {
          error(ctx, 400, "X-Scope-OrgID: tenant id " + problem);
          return;
        }
        ctx.put(IngestFlow.WRITE_TENANT, org);
      }
    } else {
      ctx.put(IngestFlow.WRITE_TENANT, tenant);
    }
    ok.increment();
    ctx.next();
  }

  private static String wires(Token token) {
    List<String> names = token.scopes().stream().map(Scope::wire).sorted().toList();
    return String.join(", ", names);
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
