package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.swarm.pipeline.kafka.LogRateLimit;
import dev.swarm.pipeline.storage.ReadScope;
import dev.swarm.pipeline.storage.StoredSpan;
import dev.swarm.pipeline.storage.TraceQueryRoutes;
import dev.swarm.pipeline.storage.TraceQueryService;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read APIs Grafana's built-in trace data sources speak, on the main HTTP port under their own prefixes so they
 * never clash with {@code GET /api/traces/{id}} of the native query API:
 *
 * <ul>
 *   <li>Zipkin data source, URL {@code http://host:8080/zipkin}: {@code GET /zipkin/api/v2/services},
 *       {@code /spans?serviceName=}, {@code /traces?…}, {@code /trace/{id}} (404 when unknown), plus the
 *       {@code remoteServices}, {@code autocompleteKeys}, {@code autocompleteValues} Zipkin's UI asks for.
 *   <li>Tempo data source, URL {@code http://host:8080/tempo}: {@code GET /tempo/api/v2/traces/{id}} (Tempo's
 *       {@code TraceByIDResponse}), {@code /tempo/api/traces/{id}} (Tempo's {@code Trace}), protobuf when the
 *       {@code Accept} header asks for it, else JSON; {@code /tempo/api/echo} for the data source's test.
 * </ul>
 */
public final class CompatRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(CompatRoutes.class);
  /** A failing read is logged with its stack at most once a minute: any client can repeat a request. */
  private static final LogRateLimit FAILURE_LOG = new LogRateLimit(1, 60_000);

  public static final String ZIPKIN_PREFIX = "/zipkin";
  public static final String TEMPO_PREFIX = "/tempo";
  static final int MAX_TRACE_ID_CHARS = 128;

  private final CompatQueryService service;

  private CompatRoutes(CompatQueryService service) {
    this.service = service;
  }

  public static void mount(Router router, TraceQueryService base) {
    CompatRoutes routes = new CompatRoutes(new CompatQueryService(base));
    String zipkin = ZIPKIN_PREFIX + "/api/v2";
    router.get(zipkin + "/services").handler(ctx -> routes.json(ctx, routes.service.services(ReadScope.tenantOf(ctx))));
    router.get(zipkin + "/spans").handler(routes::spanNames);
    router.get(zipkin + "/remoteServices").handler(ctx -> routes.json(ctx, Future.succeededFuture(Buffer.buffer("[]"))));
    router.get(zipkin + "/autocompleteKeys").handler(ctx -> routes.json(ctx, Future.succeededFuture(Buffer.buffer("[]"))));
    router.get(zipkin + "/autocompleteValues").handler(ctx -> routes.json(ctx, Future.succeededFuture(Buffer.buffer("[]"))));
    router.get(zipkin + "/traces").handler(routes::zipkinTraces);
    router.get(zipkin + "/trace/:traceId").handler(routes::zipkinTrace);
    router.get(TEMPO_PREFIX + "/api/v2/traces/:traceId").handler(ctx -> routes.tempoTrace(ctx, true));
    router.get(TEMPO_PREFIX + "/api/traces/:traceId").handler(ctx -> routes.tempoTrace(ctx, false));
    router.get(TEMPO_PREFIX + "/api/echo").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain").end("echo"));
  }

  private void spanNames(RoutingContext ctx) {
    String serviceName = ctx.queryParams().get("serviceName");
    if (serviceName == null || serviceName.isBlank()) {
      text(ctx, 400, "serviceName is required");
      return;
    }
    json(ctx, service.spanNames(serviceName.trim().toLowerCase(Locale.ROOT), ReadScope.tenantOf(ctx)));
  }

  private void zipkinTraces(RoutingContext ctx) {
    ZipkinTraceQuery query;
    try {
      query = ZipkinTraceQuery.parse(parameters(ctx.queryParams()), System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      text(ctx, 400, e.getMessage());
      return;
    }
    json(ctx, service.zipkinTraces(query, ReadScope.tenantOf(ctx)));
  }

  private void zipkinTrace(RoutingContext ctx) {
    String traceId = traceId(ctx);
    if (traceId == null) {
      return;
    }
    service.zipkinTrace(traceId, ReadScope.tenantOf(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        text(ctx, 404, traceId + " not found");
      } else {
        send(ctx, 200, "application/json", ar.result());
      }
    });
  }

  private void tempoTrace(RoutingContext ctx, boolean v2) {
    String traceId = traceId(ctx);
    if (traceId == null) {
      return;
    }
    // Grafana sends Accept: application/protobuf; Tempo answers JSON otherwise.
    String accept = ctx.request().getHeader("Accept");
    boolean protobuf = accept != null && (accept.contains("application/protobuf") || accept.contains("application/x-protobuf"));
    service.trace(traceId, ReadScope.tenantOf(ctx)).compose(spans -> spans == null ? Future.<Buffer>succeededFuture(null)
            : ctx.vertx().executeBlocking(() -> tempoBody(spans, v2, protobuf), false))
        .onComplete(ar -> {
          if (ar.failed()) {
            fail(ctx, ar.cause());
          } else if (ar.result() == null) {
            text(ctx, 404, "trace not found");
          } else {
            send(ctx, 200, protobuf ? "application/protobuf" : "application/json", ar.result());
          }
        });
  }

  static Buffer tempoBody(List<StoredSpan> spans, boolean v2, boolean protobuf) {
    TracesData data = TempoTraces.tracesData(spans);
    if (protobuf) {
      return Buffer.buffer(v2 ? TempoTraces.traceByIdResponse(data) : data.toByteArray());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator gen = StoredAttributes.JSON.createGenerator(out)) {
      TempoTraces.writeJson(data, gen, v2);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private String traceId(RoutingContext ctx) {
    String traceId = ctx.pathParam("traceId");
    if (traceId == null || traceId.isEmpty() || traceId.length() > MAX_TRACE_ID_CHARS) {
      text(ctx, 400, "trace id must be 1 to " + MAX_TRACE_ID_CHARS + " characters");
      return null;
    }
    return traceId;
  }

  private void json(RoutingContext ctx, Future<Buffer> body) {
    body.onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        send(ctx, 200, "application/json", ar.result());
      }
    });
  }

  private static Map<String, List<String>> parameters(MultiMap query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String name : query.names()) {
      out.put(name, new ArrayList<>(query.getAll(name)));
    }
    return out;
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (TraceQueryRoutes.isQueueFull(cause)) {
      ctx.response().putHeader("Retry-After", "1");
      text(ctx, 503, "too many searches at once; retry later");
      return;
    }
    if (TraceQueryRoutes.tookTooLong(cause)) {
      text(ctx, 503, "query took too long; narrow the search");
      return;
    }
    long leftOut = FAILURE_LOG.tryAcquire();
    if (leftOut >= 0) {
      LOG.error("compatible trace read failed: {}{}", cause.toString(), LogRateLimit.leftOut(leftOut), cause);
    }
    text(ctx, 500, "internal error");
  }

  private static void text(RoutingContext ctx, int status, String message) {
    send(ctx, status, "text/plain", Buffer.buffer(message));
  }

  private static void send(RoutingContext ctx, int status, String contentType, Buffer body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", contentType).end(body);
  }
}
