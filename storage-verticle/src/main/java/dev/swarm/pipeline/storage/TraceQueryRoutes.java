package dev.swarm.pipeline.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.swarm.pipeline.kafka.LogRateLimit;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The trace query API on a vertx-web router: {@code GET /api/traces/{trace_id}} and {@code GET /api/traces}. */
public final class TraceQueryRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(TraceQueryRoutes.class);
  /** A failing read is logged with its stack at most once a minute: any client can repeat a request. */
  private static final LogRateLimit FAILURE_LOG = new LogRateLimit(1, 60_000);
  private static final JsonFactory JSON = new JsonFactory();

  /** Longest accepted trace id in a path, in characters. */
  static final int MAX_TRACE_ID_CHARS = 512;

  private TraceQueryRoutes() {}

  public static void mount(Router router, TraceQueryService service) {
    router.get("/api/traces/:trace_id").handler(ctx -> getTrace(ctx, service));
    router.get("/api/traces").handler(ctx -> search(ctx, service));
  }

  private static void getTrace(RoutingContext ctx, TraceQueryService service) {
    String traceId = ctx.pathParam("trace_id");
    if (traceId == null || traceId.isEmpty() || traceId.length() > MAX_TRACE_ID_CHARS) {
      respond(ctx, 400, error("invalid trace id", List.of(new QueryParameterError("trace_id",
          "must be 1 to " + MAX_TRACE_ID_CHARS + " characters")), null));
      return;
    }
    // Another tenant's trace does not exist for the caller: the query asks for the caller's tenant only, and an
    // unknown trace and another tenant's are the same 404. Without a tenant (every tenant may be read), ?tenant_id=
    // picks one of the tenants that share the id.
    String scope = ReadScope.tenantOf(ctx);
    String asked = ctx.queryParams().get("tenant_id");
    if (scope != null && asked != null && !asked.equals(scope)) {
      respond(ctx, 404, error("trace not found", null, traceId));
      return;
    }
    service.traceJson(traceId, scope != null ? scope : asked).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else if (ar.result() == null) {
        respond(ctx, 404, error("trace not found", null, traceId));
      } else {
        respond(ctx, 200, ar.result());
      }
    });
  }

  private static void search(RoutingContext ctx, TraceQueryService service) {
    TraceSearch search;
    try {
      search = TraceSearch.parse(parameters(ctx.queryParams()));
    } catch (InvalidQueryException e) {
      respond(ctx, 400, error("invalid query parameters", e.errors(), null));
      return;
    }
    service.searchJson(search, ReadScope.tenantOf(ctx)).onComplete(ar -> {
      if (ar.failed()) {
        fail(ctx, ar.cause());
      } else {
        respond(ctx, 200, ar.result());
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

  /**
   * True when the database stopped the statement for running too long (STORAGE_QUERY_TIMEOUT_MS): SQLite's reader
   * interrupts it (SQLITE_INTERRUPT); PostgreSQL cancels it at its {@code statement_timeout} (SQLState 57014).
   */
  public static boolean tookTooLong(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    return message.contains("SQLITE_INTERRUPT") || message.contains("interrupted")
        || message.contains("canceling statement due to statement timeout");
  }

  /** True when the search pool's wait queue was full: too many searches at once. */
  public static boolean isQueueFull(Throwable cause) {
    return cause instanceof io.vertx.core.http.ConnectionPoolTooBusyException;
  }

  private static void fail(RoutingContext ctx, Throwable cause) {
    if (isQueueFull(cause)) {
      ctx.response().putHeader("Retry-After", "1");
      respond(ctx, 503, error("too many searches at once (STORAGE_QUERY_POOL_SIZE connections, "
          + StorageDatabase.SEARCH_QUEUE_PER_CONNECTION + " waiting each); retry later", null, null));
      return;
    }
    if (tookTooLong(cause)) {
      respond(ctx, 503, error("query took too long; narrow the search (tenant_id, from/to)", null, null));
      return;
    }
    long leftOut = FAILURE_LOG.tryAcquire();
    if (leftOut >= 0) {
      LOG.error("trace query failed: {}{}", cause.toString(), LogRateLimit.leftOut(leftOut), cause);
    }
    respond(ctx, 500, error("internal error", null, null));
  }

  private static void respond(RoutingContext ctx, int status, Buffer body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  private static Buffer error(String message, List<QueryParameterError> details, String traceId) {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("error", message);
      if (traceId != null) {
        gen.writeStringField("trace_id", traceId);
      }
      if (details != null) {
        gen.writeArrayFieldStart("details");
        for (QueryParameterError d : details) {
          gen.writeStartObject();
          gen.writeStringField("field", d.field());
          gen.writeStringField("message", d.message());
          gen.writeEndObject();
        }
        gen.writeEndArray();
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toString());
  }
}
