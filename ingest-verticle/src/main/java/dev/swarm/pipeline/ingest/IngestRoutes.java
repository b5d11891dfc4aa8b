package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.ingest.IngestMetrics.RequestOutcome;
import dev.swarm.pipeline.ingest.swarm.SwarmMetricsRecorder;
import dev.swarm.pipeline.schema.DecodeResult;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.SpanDecoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/traces}: read the body under the byte limits, decode and validate all spans (all or
 * nothing), publish them, and answer 202 only once Kafka acknowledged every record.
 */
public final class IngestRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(IngestRoutes.class);
  public static final String PATH = "/api/traces";
  static final String TRACE_HEADER = "X-Trace-ID";

  private final Vertx vertx;
  private final IngestConfig config;
  private final SpanDecoder decoder;
  private final SpanPublisher publisher;
  private final InflightBudget budget;
  private final IngestMetrics metrics;
  private final SwarmMetricsRecorder swarmMetrics;
  private final BooleanSupplier brokerAvailable;
  private volatile boolean draining;

  /**
   * @param brokerAvailable the latest broker health check; while false, requests get 503 without publishing
   */
  public IngestRoutes(
      Vertx vertx,
      IngestConfig config,
      SpanPublisher publisher,
      MeterRegistry registry,
      BooleanSupplier brokerAvailable) {
    this.vertx = vertx;
    this.config = config;
    this.decoder = new SpanDecoder(config.spanLimits());
    this.publisher = publisher;
    this.budget = new InflightBudget(config.maxInflightBytes());
    this.metrics = new IngestMetrics(registry, budget);
    this.swarmMetrics = SwarmMetricsRecorder.create(vertx, registry, config.swarmMetrics());
    this.brokerAvailable = brokerAvailable;
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::handle);
  }

  /** Stop accepting: new requests get 503 while in-flight ones finish. */
  public void startDraining() {
    draining = true;
  }

  /** Bytes held by requests not yet answered; zero once every in-flight publish has finished. */
  public long inflightBytes() {
    return budget.used();
  }

  private void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    HttpServerResponse resp = ctx.response();
    String traceId = req.getHeader(TRACE_HEADER);
    if (traceId != null) {
      resp.putHeader(TRACE_HEADER, traceId);
    }
    if (draining) {
      unavailable(ctx, RequestOutcome.UNAVAILABLE, "shutting down");
      return;
    }
    if (!isJson(req.getHeader("Content-Type"))) {
      reject(ctx, 415, RequestOutcome.UNSUPPORTED_MEDIA_TYPE,
          "Content-Type must be application/json, got " + (req.getHeader("Content-Type") == null ? "none" : "'" + req.getHeader("Content-Type") + "'"));
      return;
    }
    String encoding = req.getHeader("Content-Encoding");
    if (encoding != null && !encoding.equalsIgnoreCase("gzip") && !encoding.equalsIgnoreCase("identity")) {
      reject(ctx, 415, RequestOutcome.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity, got '" + encoding + "'");
      return;
    }
    String length = req.getHeader("Content-Length");
    if (length != null && encoding == null) {
      try {
        if (Long.parseLong(length.trim()) > config.maxBodyBytes()) {
          tooLarge(ctx, "body of " + length + " bytes exceeds MAX_BODY_BYTES=" + config.maxBodyBytes());
          return;
        }
      } catch (NumberFormatException ignored) {
        // Netty rejects malformed lengths before we get here; fall through to the streaming limit.
      }
    }
    new BodyReader(ctx).start();
  }

  /** Collects the (already decompressed) body chunk by chunk, holding in-flight budget for every byte. */
  private final class BodyReader {
    private final RoutingContext ctx;
    private final Buffer body = Buffer.buffer();
    private long held;
    private boolean failed;

    BodyReader(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void start() {
      HttpServerRequest req = ctx.request();
      req.handler(this::chunk);
      req.exceptionHandler(err -> {
        if (!failed) {
          failed = true;
          releaseAll();
          LOG.debug("ingest request failed while reading: {}", err.toString());
        }
      });
      req.endHandler(v -> end());
      req.resume();
    }

    private void chunk(Buffer chunk) {
      if (failed) {
        return;
      }
      if (body.length() + (long) chunk.length() > config.maxBodyBytes()) {
        failed = true;
        releaseAll();
        tooLarge(ctx, "body exceeds MAX_BODY_BYTES=" + config.maxBodyBytes());
        closeAfterResponse(ctx);
        return;
      }
      if (!budget.tryAcquire(chunk.length())) {
        failed = true;
        releaseAll();
        unavailable(ctx, RequestOutcome.THROTTLED, "ingest is at its in-flight limit (MAX_INFLIGHT_BYTES); retry later");
        closeAfterResponse(ctx);
        return;
      }
      held += chunk.length();
      body.appendBuffer(chunk);
    }

    private void end() {
      if (failed) {
        return;
      }
      byte[] bytes = body.getBytes();
      Future<DecodeResult> decoded =
          bytes.length <= config.inlineDecodeMaxBytes()
              ? Future.succeededFuture(decoder.decodeRequest(bytes, config.maxSpansPerRequest()))
              : vertx.executeBlocking(() -> decoder.decodeRequest(bytes, config.maxSpansPerRequest()), false);
      decoded
          .compose(this::act)
          .onComplete(ar -> {
            releaseAll();
            if (ar.failed()) {
              LOG.error("ingest request failed unexpectedly", ar.cause());
              reject(ctx, 500, RequestOutcome.ERROR, "internal error");
            }
          });
    }

    private Future<Void> act(DecodeResult result) {
      if (result instanceof DecodeResult.Malformed m) {
        reject(ctx, 400, RequestOutcome.REJECTED, m.message());
        return Future.succeededFuture();
      }
      if (result instanceof DecodeResult.TooManySpans t) {
        tooLarge(ctx, "more than MAX_SPANS_PER_REQUEST=" + t.max() + " spans in one request");
        return Future.succeededFuture();
      }
      if (result instanceof DecodeResult.Invalid inv) {
        metrics.spansRejected(inv.totalSpans());
        JsonArray details = new JsonArray();
        for (FieldError e : inv.details()) {
          details.add(new JsonObject().put("index", e.index()).put("field", e.field()).put("message", e.message()));
        }
        respond(ctx, 400, RequestOutcome.REJECTED,
            new JsonObject().put("error", inv.message()).put("invalid_spans", inv.invalidSpans()).put("details", details));
        return Future.succeededFuture();
      }
      DecodeResult.Accepted ok = (DecodeResult.Accepted) result;
      int n = ok.spans().size();
      if (!brokerAvailable.getAsBoolean()) {
        metrics.spansThrottled(n);
        unavailable(ctx, RequestOutcome.UNAVAILABLE, "Kafka is unreachable; nothing was accepted, retry later");
        return Future.succeededFuture();
      }
      if (n == 0) {
        respond(ctx, 202, RequestOutcome.ACCEPTED, new JsonObject().put("accepted", 0));
        return Future.succeededFuture();
      }
      return publisher
          .publish(ok.spans())
          .transform(ar -> {
            if (ar.succeeded()) {
              metrics.spansAccepted(n);
              respond(ctx, 202, RequestOutcome.ACCEPTED, new JsonObject().put("accepted", n));
              swarmMetrics.accepted(ok.spans()); // span-derived swarm_* metrics (docs/metrics.md)
            } else {
              LOG.atWarn().addKeyValue("trace_id", ctx.request().getHeader(TRACE_HEADER))
                  .log("publishing {} spans to Kafka failed: {}", n, ar.cause().toString());
              metrics.spansThrottled(n);
              unavailable(ctx, RequestOutcome.UNAVAILABLE,
                  "Kafka did not acknowledge the spans (" + ar.cause().getClass().getSimpleName() + "); retry later");
            }
            return Future.succeededFuture();
          });
    }

    private void releaseAll() {
      if (held > 0) {
        budget.release(held);
        held = 0;
      }
    }
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return mime.equals("application/json");
  }

  private void tooLarge(RoutingContext ctx, String message) {
    reject(ctx, 413, RequestOutcome.TOO_LARGE, message);
  }

  private void reject(RoutingContext ctx, int status, RequestOutcome outcome, String message) {
    respond(ctx, status, outcome, new JsonObject().put("error", message));
  }

  private void unavailable(RoutingContext ctx, RequestOutcome outcome, String message) {
    ctx.response().putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
    respond(ctx, 503, outcome, new JsonObject().put("error", message));
  }

  private void respond(RoutingContext ctx, int status, RequestOutcome outcome, JsonObject body) {
    metrics.request(outcome);
    HttpServerResponse resp = ctx.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** After an early answer, stop reading the rest of a body we will not use. */
  private static void closeAfterResponse(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    if (req.version() == HttpVersion.HTTP_2) {
      // One stream of a shared connection: cancel just this stream.
      ctx.response().reset(0x8);
    } else if (ctx.response().ended()) {
      req.connection().close();
    } else {
      ctx.response().endHandler(v -> req.connection().close());
    }
  }
}
