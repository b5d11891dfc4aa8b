package dev.swarm.pipeline.app;

import dev.swarm.pipeline.kafka.LogRateLimit;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: one router per instance (deployed once per core, sharing the port), built from the route
 * groups of the services this process runs.
 */
final class HttpApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApiVerticle.class);
  private static final LogRateLimit internalErrorLog = new LogRateLimit(1, 60_000);

  private final String host;
  private final int port;
  private final List<Consumer<Router>> mounts;
  private final ConnectionLimiter connections;
  private final long idleTimeoutMs;
  private final TlsCertificates tls;
  private HttpServer server;

  /**
   * @param connections shared by every instance: the cap on open connections
   * @param idleTimeoutMs a connection without traffic this long is closed (also one that never sent a byte)
   * @param tls the HTTPS certificate, shared by every instance; null for plain HTTP
   */
  HttpApiVerticle(String host, int port, List<Consumer<Router>> mounts, ConnectionLimiter connections,
      long idleTimeoutMs, TlsCertificates tls) {
    this.tls = tls;
    this.host = host;
    this.port = port;
    this.mounts = mounts;
    this.connections = connections;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // The router resolves "." and ".." segments, so /api/traces/. would answer the search listing: a path that
    // needs resolving names no resource here.
    router.route().handler(ctx -> {
      if (hasDotSegment(ctx.request().path())) {
        ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("error", "path has '.' or '..' segments: " + ctx.request().path()).encode());
      } else {
        ctx.next();
      }
    });
    mounts.forEach(m -> m.accept(router));
    router.route().last().handler(ctx -> ctx.response()
        .setStatusCode(404)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()).encode()));
    // A malformed request (a bad %-escape in the path or query) fails inside the router: answered as JSON and not
    // logged, since any client can send one; an internal error is logged with its stack at most once a minute.
    router.errorHandler(400, ctx -> jsonError(ctx, 400, "malformed request: " + rootMessage(ctx.failure())));
    router.errorHandler(500, ctx -> {
      long leftOut = internalErrorLog.tryAcquire();
      if (leftOut >= 0) {
        LOG.error("internal error answering {} {}{}", ctx.request().method(), ctx.request().path(),
            LogRateLimit.leftOut(leftOut), ctx.failure());
      }
      jsonError(ctx, 500, "internal error");
    });
    router.errorHandler(405, ctx -> jsonError(ctx, 405,
        "method " + ctx.request().method() + " not allowed on " + ctx.request().path()));
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        // Request bodies arrive as sent: ingest counts the compressed bytes it holds against its budget while they
        // arrive, inflates them under MAX_BODY_BYTES itself, and answers a body that is not the gzip it claims with
        // 400 (Netty's decompressor closed the connection without an answer) and any other encoding with 415.
        .setDecompressionSupported(false)
        .setCompressionSupported(true)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16 * 1024)
        .setIdleTimeout((int) idleTimeoutMs)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // Cleartext HTTP/2 off: with it on, the server waits for a connection's first bytes to tell HTTP/1.1 from
        // an HTTP/2 preface before the connection exists for the handler below, so silent connections escaped the
        // cap. Clients asking to upgrade (the JDK's HttpClient) carry on in HTTP/1.1.
        .setHttp2ClearTextEnabled(false);
    TlsCertificates.Loaded certificate = tls == null ? null : tls.current();
    if (certificate != null) {
      // HTTPS only on this port: a plain-HTTP client gets no answer it can read, never a token-bearing exchange.
      options.setSsl(true).setKeyCertOptions(certificate.keyCert());
    }
    return vertx.createHttpServer(options).connectionHandler(connections::accept).requestHandler(router).listen()
        .onSuccess(s -> {
          server = s;
          if (certificate != null) {
            // Each instance has its own server: each is switched when the files change.
            tls.register(s, context, options.getSslOptions(), certificate);
          }
        });
  }

  @Override
  public Future<?> stop() {
    if (tls != null && server != null) {
      tls.unregister(server);
    }
    return Future.succeededFuture(); // Vert.x closes the server on undeploy
  }


  private static void jsonError(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", message).encode());
    }
  }

  private static String rootMessage(Throwable failure) {
    Throwable t = failure;
    while (t != null && t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == null ? "bad request" : String.valueOf(t.getMessage());
  }

  static boolean hasDotSegment(String path) {
    if (path == null) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..") || segment.equalsIgnoreCase("%2e") || segment.equalsIgnoreCase("%2e%2e")) {
        return true;
      }
    }
    return false;
  }
}
