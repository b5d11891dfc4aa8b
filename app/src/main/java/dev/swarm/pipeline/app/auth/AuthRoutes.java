package dev.swarm.pipeline.app.auth;

import dev.swarm.pipeline.app.auth.TokenFile.Token;
import dev.swarm.pipeline.ingest.IngestFlow;
import dev.swarm.pipeline.schema.TenantIds;
import dev.swarm.pipeline.storage.ReadScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks credentials before any route but the operational ones ({@code /health/*}, {@code /metrics}) and the UI's
 * static files: unknown or missing credentials are answered 401 with {@code WWW-Authenticate} (Bearer, and Basic
 * unless a script asks with {@code X-Requested-With}), a token without the needed scope 403. Writes (POST, PUT) need {@code write}, everything else
 * {@code read}. A tenant's token makes the request write as that tenant ({@link IngestFlow#WRITE_TENANT}); a token
 * of every tenant writes the spans' own tenants, or the one {@code X-Scope-OrgID} names. Reads see only the token's
 * tenant ({@link ReadScope}); a token of every tenant reads them all, or the one {@code X-Scope-OrgID} names.
 */
public final class AuthRoutes {
  static final String REALM = "trace-pipeline";
  private static final Logger LOG = LoggerFactory.getLogger(AuthRoutes.class);
  // One line per lockout, but a flood from many addresses must not flood the log.
  private static final dev.swarm.pipeline.kafka.LogRateLimit lockoutLog =
      new dev.swarm.pipeline.kafka.LogRateLimit(5, 60_000);

  private final Authenticator authenticator;
  private final Counter ok;
  private final Counter unauthenticated;
  private final Counter forbidden;
  /** An address with too many 401s is answered 429 for a while, valid token or not (see FailureLockout). */
  private final FailureLockout lockout;
  private final FailureLockout.Config lockoutConfig;
  /** Whose X-Forwarded-For names the client the lockout counts (HTTP_TRUSTED_PROXIES). */
  private final TrustedProxies trustedProxies;
  private final Counter missing;
  private final Counter unknownToken;
  private final Counter missingScope;
  private final Counter lockedOut;

  public AuthRoutes(Authenticator authenticator, FailureLockout.Config lockoutConfig, TrustedProxies trustedProxies,
      MeterRegistry registry) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.trustedProxies = Objects.requireNonNull(trustedProxies, "trustedProxies");
    ok = outcome(registry, "ok");
    unauthenticated = outcome(registry, "unauthenticated");
    forbidden = outcome(registry, "forbidden");
    this.lockoutConfig = Objects.requireNonNull(lockoutConfig, "lockoutConfig");
    lockout = new FailureLockout(lockoutConfig, System::nanoTime);
    missing = failure(registry, "missing");
    unknownToken = failure(registry, "unknown_token");
    missingScope = failure(registry, "missing_scope");
    lockedOut = failure(registry, "locked_out");
    Gauge.builder("trace.auth.locked.out.addresses", lockout, FailureLockout::lockedOut)
        .description("Client addresses answered 429 now after AUTH_FAILURES_PER_MINUTE failed authentications")
        .register(registry);
    Gauge.builder("trace.auth.failure.addresses", lockout, FailureLockout::addresses)
        .description("Client addresses whose failed authentications are counted or locked out (at most"
            + " AUTH_LOCKOUT_MAX_ADDRESSES)")
        .register(registry);
    FunctionCounter.builder("trace.auth.failure.addresses.dropped", lockout, FailureLockout::dropped)
        .description("Addresses forgotten early because AUTH_LOCKOUT_MAX_ADDRESSES were kept")
        .register(registry);
  }

  private static Counter failure(MeterRegistry registry, String reason) {
    return Counter.builder("trace.auth.failures")
        .description("Requests refused by the credentials check: missing (no Authorization, 401), unknown_token"
            + " (unknown or unparsable credentials, 401), missing_scope (403), locked_out (429 after too many"
            + " failures from the address)")
        .tag("reason", reason)
        .register(registry);
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
    String address = clientAddress(ctx);
    long lockedNanos = lockout.lockedForNanos(address);
    if (lockedNanos > 0) {
      // Checked before the credentials: during the lockout even a valid token is refused, so guessing gains nothing.
      lockedOut.increment();
      long seconds = Math.max(1, (lockedNanos + 999_999_999L) / 1_000_000_000L);
      ctx.response().putHeader("Retry-After", Long.toString(seconds));
      error(ctx, 429, "too many failed authentications from this address; retry after " + seconds + " s");
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    Token token = authenticator.authenticate(header);
    if (token == null) {
      unauthenticated.increment();
      (header == null ? missing : unknownToken).increment();
      if (lockout.failed(address)) {
        long leftOut = lockoutLog.tryAcquire();
        if (leftOut >= 0) { // the address only: a presented token is never logged
          LOG.warn("{} failed authentications within a minute from {}: its requests are answered 429 for {} ms{}",
              lockoutConfig.failuresPerMinute(), address, lockoutConfig.lockoutMs(),
              dev.swarm.pipeline.kafka.LogRateLimit.leftOut(leftOut));
        }
      }
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
      missingScope.increment();
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
        ctx.put(ReadScope.TENANT, org);
      }
    } else {
      // The one tenant this token writes as and reads: storage's queries filter by it.
      ctx.put(IngestFlow.WRITE_TENANT, tenant);
      ctx.put(ReadScope.TENANT, tenant);
    }
    ok.increment();
    ctx.next();
  }

  /**
   * The client the lockout counts: the TCP peer, or behind a trusted proxy (HTTP_TRUSTED_PROXIES) the address its
   * X-Forwarded-For names, so one client behind the gateway cannot lock out the others.
   */
  private String clientAddress(RoutingContext ctx) {
    io.vertx.core.net.SocketAddress remote = ctx.request().remoteAddress();
    String host = remote == null ? null : remote.hostAddress();
    if (host == null) {
      return "unknown";
    }
    // No trusted proxy: the header is not even looked at, whoever sends it.
    return trustedProxies.isEmpty()
        ? host
        : trustedProxies.clientAddress(host, ctx.request().headers().getAll("X-Forwarded-For"));
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
