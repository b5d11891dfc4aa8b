package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.ingest.IngestMetrics.RequestOutcome;
import dev.swarm.pipeline.ingest.swarm.SwarmMetricsRecorder;
import dev.swarm.pipeline.schema.Span;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every ingest endpoint ({@code /api/traces}, OTLP {@code /v1/traces}, Zipkin {@code /api/v2/spans}) shares:
 * the body read under {@code MAX_BODY_BYTES} holding the in-flight byte budget, decoding inline or on a worker by
 * size, publishing with the broker check, the request and span metrics, and draining at shutdown. Each endpoint
 * brings its own decoder and its own answer format ({@link Replies}).
 */
public final class IngestFlow {
  private static final Logger LOG = LoggerFactory.getLogger(IngestFlow.class);
  private volatile TenantLimiter tenantLimiter;

  /** Writes an error answer in the endpoint's own format (JSON object, OTLP Status, plain text…). */
  @FunctionalInterface
  public interface Replies {
    void error(RoutingContext ctx, int status, String message);

    /** An error with a machine-readable code (e.g. {@code disk_low}); by default "code: message". */
    default void error(RoutingContext ctx, int status, String code, String message) {
      error(ctx, status, code + ": " + message);
    }
  }

  /** How often a body being received is checked against HTTP_REQUEST_TIMEOUT and HTTP_MIN_BODY_RATE. */
  static final long BODY_TICK_MS = 1000;
  /** Longest a connection is read (and dropped) after an early 413 or 503, before it is closed anyway. */
  static final long LINGER_MS = 2000;

  /**
   * Routing-context key of the tenant the request writes as (set by authentication; absent when auth is off or the
   * token may write any tenant): spans naming no tenant get it, spans naming another are refused (403).
   */
  public static final String WRITE_TENANT = "swarm.write-tenant";

  /** Error code of the 429 (or 413) sent for a tenant over its ingest limit. */
  public static final String RATE_LIMITED = "rate_limited";

  /** Error code of the 403 sent for a span of another tenant. */
  public static final String TENANT_FORBIDDEN = "tenant_forbidden";

  /** Error code of the 503 sent while the disk guard refuses writes. */
  public static final String DISK_LOW = "disk_low";
  /** The error of a write refused while the broker holds as much unconsumed backlog as it may ({@link #refuseWhileBacklogFull}). */
  public static final String BACKLOG_FULL = "backlog_full";

  /** Handles a complete body; the budget the body holds is released when the returned future completes. */
  @FunctionalInterface
  public interface BodyHandler {
    Future<Void> handle(byte[] body);
  }

  private final Vertx vertx;
  /** Ingest's own worker pool (SpanPublisher.WORKER_POOL), for decoding large bodies. */
  private final io.vertx.core.WorkerExecutor workers;
  private final IngestConfig config;
  private final SpanPublisher publisher;
  private final InflightBudget budget;
  private final IngestMetrics metrics;
  private final SwarmMetricsRecorder swarmMetrics;
  private final BooleanSupplier brokerAvailable;
  private volatile Supplier<String> diskLow = () -> null;
  private volatile Supplier<String> backlogFull = () -> null;
  private volatile boolean draining;

  /**
   * @param brokerAvailable the latest broker health check; while false, requests get 503 without publishing
   */
  public IngestFlow(Vertx vertx, IngestConfig config, SpanPublisher publisher, MeterRegistry registry,
      BooleanSupplier brokerAvailable) {
    this.vertx = vertx;
    this.workers = vertx.createSharedWorkerExecutor(SpanPublisher.WORKER_POOL, SpanPublisher.WORKER_POOL_SIZE);
    this.config = config;
    this.publisher = publisher;
    this.budget = new InflightBudget(config.maxInflightBytes());
    this.metrics = new IngestMetrics(registry, budget);
    this.swarmMetrics = SwarmMetricsRecorder.create(vertx, registry, config.swarmMetrics());
    this.brokerAvailable = brokerAvailable;
  }

  public IngestConfig config() {
    return config;
  }

  /** Per-tenant ingest limits for requests that write as one tenant ({@link #WRITE_TENANT}). */
  public void limitTenants(TenantLimiter limiter) {
    this.tenantLimiter = limiter;
  }

  /**
   * While {@code diskLow} returns a reason, every write is answered 503 with {@code Retry-After} and error
   * {@link #DISK_LOW} before its body is read; null = accept.
   */
  public void refuseWhileDiskLow(Supplier<String> diskLow) {
    this.diskLow = java.util.Objects.requireNonNull(diskLow, "diskLow");
  }

  /**
   * While {@code backlogFull} returns a reason, every write is answered 503 with {@code Retry-After} and error
   * {@link #BACKLOG_FULL} before its body is read; null = accept. For a broker that would otherwise delete
   * acknowledged spans nobody has consumed yet.
   */
  public void refuseWhileBacklogFull(Supplier<String> backlogFull) {
    this.backlogFull = java.util.Objects.requireNonNull(backlogFull, "backlogFull");
  }

  /** Stop accepting: new requests get 503 while in-flight ones finish. */
  public void startDraining() {
    draining = true;
  }

  /** Bytes held by requests not yet answered; zero once every in-flight publish has finished. */
  public long inflightBytes() {
    return budget.used();
  }

  /** Answers 503 and returns true while shutting down; endpoints call it before their own checks. */
  public boolean refuseWhileDraining(RoutingContext ctx, Replies replies) {
    if (draining) {
      unavailable(ctx, replies, RequestOutcome.UNAVAILABLE, "shutting down");
      return true;
    }
    return false;
  }

  /** True when the answer was already sent (or the connection is gone): replies must not write again. */
  public static boolean answered(RoutingContext ctx) {
    HttpServerResponse resp = ctx.response();
    return resp.ended() || resp.closed();
  }

  /**
   * Refuses the request when draining, with an unsupported {@code Content-Encoding} (415) or a declared length
   * over the limit (413); otherwise reads the body as sent under the limits, inflates a gzip one, and hands it to
   * {@code handler}. A handler failure is answered 500.
   */
  public void receive(RoutingContext ctx, Replies replies, BodyHandler handler) {
    HttpServerRequest req = ctx.request();
    if (refuseWhileDraining(ctx, replies)) {
      return;
    }
    String low = diskLow.get();
    if (low != null) {
      unavailable(ctx, replies, RequestOutcome.DISK_LOW, DISK_LOW, low);
      return;
    }
    String full = backlogFull.get();
    if (full != null) {
      unavailable(ctx, replies, RequestOutcome.BACKLOG_FULL, BACKLOG_FULL, full);
      return;
    }
    String encoding = req.getHeader("Content-Encoding");
    if (encoding != null && !encoding.equalsIgnoreCase("gzip") && !encoding.equalsIgnoreCase("identity")) {
      unsupportedMediaType(ctx, replies, "Content-Encoding must be gzip or identity, got '" + encoding + "'");
      return;
    }
    String length = req.getHeader("Content-Length");
    if (length != null) { // compressed or not: the body as sent is never larger than what it inflates to, or 413
      try {
        if (Long.parseLong(length.trim()) > config.maxBodyBytes()) {
          tooLarge(ctx, replies, "body of " + length + " bytes exceeds MAX_BODY_BYTES=" + config.maxBodyBytes());
          return;
        }
      } catch (NumberFormatException ignored) {
        // Netty rejects malformed lengths before we get here; fall through to the streaming limit.
      }
    }
    new BodyReader(ctx, replies, handler).start();
  }

  /**
   * Like {@link #decode(int, Callable)}, for a decoder whose work holds about {@code heapPerBodyByte} bytes of heap
   * per body byte (a parser building an object tree): holds that much more of the in-flight budget while it runs,
   * so the budget bounds what decoding holds, not only the bodies. Past the budget, answers 503 with
   * {@code Retry-After} itself and gives null. A body that alone would want more than the whole budget waits for all
   * of it, so the largest body still gets through once nothing else is being decoded.
   */
  public <T> Future<T> decodeHolding(RoutingContext ctx, Replies replies, int bodyBytes, int heapPerBodyByte,
      Callable<T> decoder) {
    long extra = Math.min((long) Math.max(0, heapPerBodyByte - 1) * bodyBytes,
        Math.max(0, budget.limit() - bodyBytes));
    if (extra > 0 && !budget.tryAcquire(extra)) {
      unavailable(ctx, replies, RequestOutcome.THROTTLED,
          "ingest is at its in-flight limit (MAX_INFLIGHT_BYTES, decoding counted); retry later");
      return Future.succeededFuture();
    }
    return decode(bodyBytes, decoder).onComplete(ar -> budget.release(extra));
  }

  /** Runs {@code decoder} on the event loop for small bodies, on a worker for large ones. */
  public <T> Future<T> decode(int bodyBytes, Callable<T> decoder) {
    if (bodyBytes <= config.inlineDecodeMaxBytes()) {
      try {
        return Future.succeededFuture(decoder.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return workers.executeBlocking(decoder, false);
  }

  /**
   * Publishes the spans and, once Kafka acknowledged all of them, counts them, records the span-derived metrics
   * and calls {@code onAccepted} (which sends the endpoint's success answer). Answers 503 itself when the broker
   * is down or does not acknowledge. Zero spans: {@code onAccepted} at once.
   */
  public Future<Void> publish(RoutingContext ctx, Replies replies, List<Span> decoded, Runnable onAccepted) {
    String tenant = ctx.get(WRITE_TENANT);
    if (tenant != null) {
      Span otherTenantSpan = otherTenant(tenant, decoded);
      if (otherTenantSpan != null) {
        forbidden(ctx, replies, tenant, otherTenantSpan, decoded.size());
        return Future.succeededFuture();
      }
    }
    List<Span> spans = tenant == null ? decoded : withTenant(tenant, decoded);
    if (tenant != null && tenantLimiter != null && !spans.isEmpty() && !admitted(ctx, replies, tenant, spans.size())) {
      return Future.succeededFuture();
    }
    int n = spans.size();
    if (!brokerAvailable.getAsBoolean()) {
      metrics.spansThrottled(n);
      unavailable(ctx, replies, RequestOutcome.UNAVAILABLE, "Kafka is unreachable; nothing was accepted, retry later");
      return Future.succeededFuture();
    }
    if (n == 0) {
      onAccepted.run();
      return Future.succeededFuture();
    }
    return publisher.publish(spans).transform(ar -> {
      if (ar.succeeded()) {
        metrics.spansAccepted(n);
        onAccepted.run();
        swarmMetrics.accepted(spans); // span-derived swarm_* metrics (docs/metrics.md)
      } else {
        LOG.warn("publishing {} spans to Kafka failed: {}", n, ar.cause().toString());
        metrics.spansThrottled(n);
        unavailable(ctx, replies, RequestOutcome.UNAVAILABLE,
            "Kafka did not acknowledge the spans (" + ar.cause().getClass().getSimpleName() + "); retry later");
      }
      return Future.succeededFuture();
    });
  }

  /** The first span naming a tenant other than {@code tenant}, or null. */
  private static Span otherTenant(String tenant, List<Span> spans) {
    for (Span s : spans) {
      if (s.tenantId() != null && !s.tenantId().equals(tenant)) {
        return s;
      }
    }
    return null;
  }

  /** The spans with {@code tenant} filled in where they name none (the same list when none needs it). */
  private static List<Span> withTenant(String tenant, List<Span> spans) {
    List<Span> out = null;
    for (int i = 0; i < spans.size(); i++) {
      if (spans.get(i).tenantId() == null) {
        if (out == null) {
          out = new ArrayList<>(spans);
        }
        out.set(i, spans.get(i).withTenantId(tenant));
      }
    }
    return out == null ? spans : out;
  }

  /** False when the tenant's limit refused the request (answered 429, or 413 when it can never fit). */
  private boolean admitted(RoutingContext ctx, Replies replies, String tenant, int n) {
    long wait = tenantLimiter.admit(tenant, n);
    if (wait == 0) {
      return true;
    }
    metrics.spansRateLimited(n);
    if (wait < 0) {
      metrics.request(RequestOutcome.RATE_LIMITED);
      replies.error(ctx, 413, RATE_LIMITED, n + " spans in one request are more than tenant '" + tenant
          + "' may send at once (ingest_burst_spans); send smaller requests");
      return false;
    }
    metrics.request(RequestOutcome.RATE_LIMITED);
    ctx.response().putHeader("Retry-After", Long.toString(wait));
    replies.error(ctx, 429, RATE_LIMITED, "tenant '" + tenant + "' is over its ingest limit (ingest_spans_per_second);"
        + " nothing was accepted, retry in " + wait + " s");
    return false;
  }

  /** 403: a span of another tenant; nothing of the request is published. */
  private void forbidden(RoutingContext ctx, Replies replies, String tenant, Span span, int spans) {
    metrics.request(RequestOutcome.FORBIDDEN);
    metrics.spansRejected(spans);
    replies.error(ctx, 403, TENANT_FORBIDDEN, "tenant_id: span " + span.id() + " of trace " + span.traceId()
        + " names tenant '" + span.tenantId() + "', but the credentials write for tenant '" + tenant
        + "'; nothing of this request was stored");
  }

  /** Counts spans refused for breaking the contract. */
  public void spansRejected(int n) {
    metrics.spansRejected(n);
  }

  /** Sends a success answer and counts the request as accepted. */
  public void accepted(RoutingContext ctx, int status, String contentType, Buffer body) {
    respond(ctx, RequestOutcome.ACCEPTED, status, contentType, body);
  }

  /** Sends a 400 answer the endpoint formatted itself (e.g. with per-span details) and counts it as rejected. */
  public void rejected(RoutingContext ctx, int status, String contentType, Buffer body) {
    respond(ctx, RequestOutcome.REJECTED, status, contentType, body);
  }

  /** 400: the body cannot be decoded. The future is done (for an endpoint's decode step to return). */
  public Future<Void> malformed(RoutingContext ctx, Replies replies, String message) {
    metrics.request(RequestOutcome.REJECTED);
    replies.error(ctx, 400, message);
    return Future.succeededFuture();
  }

  /** 413: more spans than MAX_SPANS_PER_REQUEST in one body; the future is done. */
  public Future<Void> tooManySpans(RoutingContext ctx, Replies replies, int max) {
    tooLarge(ctx, replies, "more than MAX_SPANS_PER_REQUEST=" + max + " spans in one request");
    return Future.succeededFuture();
  }

  /** 413. */
  public void tooLarge(RoutingContext ctx, Replies replies, String message) {
    metrics.request(RequestOutcome.TOO_LARGE);
    replies.error(ctx, 413, message);
  }

  /** 415. */
  public void unsupportedMediaType(RoutingContext ctx, Replies replies, String message) {
    metrics.request(RequestOutcome.UNSUPPORTED_MEDIA_TYPE);
    replies.error(ctx, 415, message);
  }

  private void unavailable(RoutingContext ctx, Replies replies, RequestOutcome outcome, String message) {
    metrics.request(outcome);
    ctx.response().putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
    replies.error(ctx, 503, message);
  }

  /** 503 with Retry-After and an error code of its own ({@code disk_low}, {@code backlog_full}). */
  private void unavailable(RoutingContext ctx, Replies replies, RequestOutcome outcome, String error, String message) {
    metrics.request(outcome);
    ctx.response().putHeader("Retry-After", Integer.toString(config.retryAfterSeconds()));
    replies.error(ctx, 503, error, message);
  }

  private void respond(RoutingContext ctx, RequestOutcome outcome, int status, String contentType, Buffer body) {
    metrics.request(outcome);
    HttpServerResponse resp = ctx.response();
    if (resp.ended() || resp.closed()) {
      return;
    }
    resp.setStatusCode(status);
    if (contentType != null) {
      resp.putHeader("Content-Type", contentType);
    }
    resp.end(body);
  }

  /** Collects the body as sent (compressed or not) chunk by chunk, holding in-flight budget for every byte. */
  private final class BodyReader {
    private final RoutingContext ctx;
    private final Replies replies;
    private final BodyHandler handler;
    private final Buffer body = Buffer.buffer();
    private long held;
    private boolean failed;
    private boolean lingering; // refused early, reading the rest to drop it (closeWhenSent)
    private long dropped; // bytes dropped while lingering
    private long timer = -1;
    private final long startedNanos = System.nanoTime();
    private long receivedAtLastTick;
    private int slowTicks;

    BodyReader(RoutingContext ctx, Replies replies, BodyHandler handler) {
      this.ctx = ctx;
      this.replies = replies;
      this.handler = handler;
    }

    void start() {
      HttpServerRequest req = ctx.request();
      req.handler(this::chunk);
      req.exceptionHandler(err -> {
        if (!failed) {
          fail();
          LOG.debug("ingest request failed while reading: {}", err.toString());
        }
      });
      req.endHandler(v -> end());
      // A body that never ends (slow or stalled sender) must not hold its share of the budget for ever.
      timer = vertx.setPeriodic(BODY_TICK_MS, id -> tick());
      req.resume();
    }

    /** Stops reading for good: the budget goes back and the timeout is cancelled. */
    private void fail() {
      failed = true;
      vertx.cancelTimer(timer);
      releaseAll();
    }

    /**
     * Every second while the body arrives: past HTTP_REQUEST_TIMEOUT, or slower than HTTP_MIN_BODY_RATE for two
     * seconds in a row (a stalled sender holding budget it does not use), the request is cut off with 408.
     */
    private void tick() {
      if (failed) {
        vertx.cancelTimer(timer);
        return;
      }
      long elapsedMs = (System.nanoTime() - startedNanos) / 1_000_000;
      long received = body.length();
      long minPerTick = config.minBodyBytesPerSecond() * BODY_TICK_MS / 1000;
      slowTicks = received - receivedAtLastTick < minPerTick ? slowTicks + 1 : 0;
      receivedAtLastTick = received;
      if (elapsedMs >= config.bodyTimeoutMs()) {
        cutOff("request body not received whole within HTTP_REQUEST_TIMEOUT=" + config.bodyTimeoutMs() + " ms");
      } else if (slowTicks >= 2) {
        cutOff("request body arriving slower than HTTP_MIN_BODY_RATE=" + config.minBodyBytesPerSecond()
            + " bytes/s; its share of the in-flight budget goes to other clients");
      }
    }

    private void cutOff(String message) {
      fail();
      metrics.request(RequestOutcome.TIMEOUT);
      ctx.response().putHeader("Connection", "close");
      replies.error(ctx, 408, message);
      closeAfterResponse(ctx);
    }

    private void chunk(Buffer chunk) {
      if (failed) {
        if (lingering && (dropped += chunk.length()) > config.maxBodyBytes()) {
          ctx.request().connection().close(); // a body that keeps coming after its refusal
        }
        return;
      }
      if (body.length() + (long) chunk.length() > config.maxBodyBytes()) {
        fail();
        tooLarge(ctx, replies, "body exceeds MAX_BODY_BYTES=" + config.maxBodyBytes());
        closeWhenSent();
        return;
      }
      if (!budget.tryAcquire(chunk.length())) {
        fail();
        unavailable(ctx, replies, RequestOutcome.THROTTLED,
            "ingest is at its in-flight limit (MAX_INFLIGHT_BYTES); retry later");
        closeWhenSent();
        return;
      }
      held += chunk.length();
      body.appendBuffer(chunk);
    }

    /**
     * After an early 413 or 503 while a fast client is still sending: the rest of the body is read and dropped, and
     * the connection closes once it has ended, or past another MAX_BODY_BYTES or LINGER_MS. Closing at once, with
     * the client's bytes unread, makes the kernel reset the connection, and a client still writing then loses the
     * answer: OtlpHeapBombTest saw "HTTP/1.1 header parser received no bytes" instead of a 503 in about one run of
     * six. A slow sender is still cut off at once (408: cutOff).
     */
    private void closeWhenSent() {
      HttpServerRequest req = ctx.request();
      if (req.version() == HttpVersion.HTTP_2 || req.isEnded()) {
        closeAfterResponse(ctx);
        return;
      }
      lingering = true;
      long linger = vertx.setTimer(LINGER_MS, id -> req.connection().close());
      req.endHandler(v -> {
        vertx.cancelTimer(linger);
        req.connection().close();
      });
    }

    private void end() {
      if (failed) {
        return;
      }
      vertx.cancelTimer(timer);
      byte[] bytes = body.getBytes();
      Future<Void> handled;
      if (gzipped(ctx)) {
        handled = inflate(bytes).compose(inflated -> inflated == null ? Future.succeededFuture() : handle(inflated));
      } else {
        handled = handle(bytes);
      }
      handled.onComplete(ar -> {
        releaseAll();
        if (ar.failed()) {
          LOG.error("ingest request failed unexpectedly", ar.cause());
          metrics.request(RequestOutcome.ERROR);
          if (!ctx.response().ended() && !ctx.response().closed()) {
            replies.error(ctx, 500, "internal error");
          }
        }
      });
    }

    private Future<Void> handle(byte[] bytes) {
      try {
        return handler.handle(bytes);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }

    /**
     * Decompresses a gzip body, under the body limit and holding budget for the result; null (answered 413, 503 or
     * 400) when it cannot.
     */
    private Future<byte[]> inflate(byte[] compressed) {
      return decode(compressed.length / 4, () -> Gunzip.inflate(compressed, config.maxBodyBytes()))
          .transform(ar -> {
            if (ar.failed()) {
              if (ar.cause() instanceof Gunzip.TooLarge) {
                tooLarge(ctx, replies, "body exceeds MAX_BODY_BYTES=" + config.maxBodyBytes());
              } else {
                malformed(ctx, replies, "Content-Encoding is gzip but the body is not valid gzip: " + ar.cause().getMessage());
              }
              return Future.succeededFuture(null);
            }
            byte[] inflated = ar.result();
            if (!budget.tryAcquire(inflated.length)) {
              unavailable(ctx, replies, RequestOutcome.THROTTLED,
                  "ingest is at its in-flight limit (MAX_INFLIGHT_BYTES); retry later");
              return Future.succeededFuture(null);
            }
            held += inflated.length;
            return Future.succeededFuture(inflated);
          });
    }

    private void releaseAll() {
      if (held > 0) {
        budget.release(held);
        held = 0;
      }
    }
  }

  /** True when the body is declared gzip (the server leaves request bodies as sent: HttpApiVerticle). */
  private static boolean gzipped(RoutingContext ctx) {
    String encoding = ctx.request().getHeader("Content-Encoding");
    return encoding != null && encoding.equalsIgnoreCase("gzip");
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
