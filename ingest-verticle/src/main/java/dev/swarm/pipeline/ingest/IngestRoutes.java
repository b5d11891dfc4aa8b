package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.schema.DecodeResult;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.SpanDecoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * {@code POST /api/traces}: read the body under the byte limits, decode and validate all spans (all or
 * nothing), publish them, and answer 202 only once Kafka acknowledged every record. The shared path (limits,
 * budget, publishing, metrics) is {@link IngestFlow}; the other formats' endpoints use the same one.
 */
public final class IngestRoutes {
  public static final String PATH = "/api/traces";
  static final String TRACE_HEADER = "X-Trace-ID";
  private static final String JSON = "application/json";

  private final IngestFlow flow;
  private final SpanDecoder decoder;
  private final IngestFlow.Replies replies = new IngestFlow.Replies() {
    @Override
    public void error(RoutingContext ctx, int status, String message) {
      jsonError(ctx, new JsonObject().put("error", message), status);
    }

    @Override
    public void error(RoutingContext ctx, int status, String code, String message) {
      jsonError(ctx, new JsonObject().put("error", code).put("message", message), status);
    }
  };

  /**
   * @param brokerAvailable the latest broker health check; while false, requests get 503 without publishing
   */
  public IngestRoutes(
      Vertx vertx,
      IngestConfig config,
      SpanPublisher publisher,
      MeterRegistry registry,
      BooleanSupplier brokerAvailable) {
    this(new IngestFlow(vertx, config, publisher, registry, brokerAvailable));
  }

  public IngestRoutes(IngestFlow flow) {
    this.flow = flow;
    this.decoder = new SpanDecoder(flow.config().spanLimits());
  }

  /** The shared ingest path, for the endpoints of other formats. */
  public IngestFlow flow() {
    return flow;
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::handle);
  }

  /** Stop accepting: new requests get 503 while in-flight ones finish (every endpoint sharing the flow). */
  public void startDraining() {
    flow.startDraining();
  }

  /** Bytes held by requests not yet answered; zero once every in-flight publish has finished. */
  public long inflightBytes() {
    return flow.inflightBytes();
  }

  private void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String traceId = req.getHeader(TRACE_HEADER);
    if (traceId != null) {
      ctx.response().putHeader(TRACE_HEADER, traceId);
    }
    if (flow.refuseWhileDraining(ctx, replies)) {
      return;
    }
    String contentType = req.getHeader("Content-Type");
    if (contentType == null || !isJson(contentType)) {
      flow.unsupportedMediaType(ctx, replies,
          "Content-Type must be application/json, got " + (contentType == null ? "none" : "'" + contentType + "'"));
      return;
    }
    int maxSpans = flow.config().maxSpansPerRequest();
    flow.receive(ctx, replies, bytes -> flow.decode(bytes.length, () -> decoder.decodeRequest(bytes, maxSpans))
        .compose(result -> act(ctx, result)));
  }

  private Future<Void> act(RoutingContext ctx, DecodeResult result) {
    if (result instanceof DecodeResult.Malformed m) {
      return flow.malformed(ctx, replies, m.message());
    }
    if (result instanceof DecodeResult.TooManySpans t) {
      return flow.tooManySpans(ctx, replies, t.max());
    }
    if (result instanceof DecodeResult.Invalid inv) {
      flow.spansRejected(inv.totalSpans());
      JsonArray details = new JsonArray();
      for (FieldError e : inv.details()) {
        details.add(new JsonObject().put("index", e.index()).put("field", e.field()).put("message", e.message()));
      }
      flow.rejected(ctx, 400, JSON, new JsonObject().put("error", inv.message())
          .put("invalid_spans", inv.invalidSpans()).put("details", details).toBuffer());
      return Future.succeededFuture();
    }
    DecodeResult.Accepted ok = (DecodeResult.Accepted) result;
    int n = ok.spans().size();
    return flow.publish(ctx, replies, ok.spans(),
        () -> flow.accepted(ctx, 202, JSON, new JsonObject().put("accepted", n).toBuffer()));
  }

  private static boolean isJson(String contentType) {
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mime.equals("application/json");
  }

  private static void jsonError(RoutingContext ctx, JsonObject body, int status) {
    HttpServerResponse resp = ctx.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", JSON).end(body.toBuffer());
  }
}
