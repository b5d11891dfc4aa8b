package dev.swarm.pipeline.ingest.zipkin;

import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.ingest.IngestFlow;
import dev.swarm.pipeline.schema.FieldError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * Zipkin v2 span receiver, {@code POST /api/v2/spans} (where Zipkin clients post) and the same under
 * {@code /zipkin}: JSON ({@code application/json}) or proto3 ({@code application/x-protobuf}), gzip handled by the
 * server. 202 once Kafka acknowledged every span. All or nothing, as {@code /api/traces}: a span that breaks
 * the contract makes the answer 400 with the problems, and nothing is published (Zipkin has no way to report a
 * partial acceptance).
 */
public final class ZipkinIngestRoutes {
  public static final String PATH = "/api/v2/spans";
  public static final String PREFIXED_PATH = "/zipkin" + PATH;
  private static final String JSON = "application/json";

  private final IngestFlow flow;
  private final ZipkinJsonDecoder json;
  private final ZipkinProto3Decoder proto3;
  private final IngestFlow.Replies replies = ZipkinIngestRoutes::jsonError;

  public ZipkinIngestRoutes(IngestFlow flow) {
    this.flow = flow;
    this.json = new ZipkinJsonDecoder(flow.config().spanLimits());
    this.proto3 = new ZipkinProto3Decoder(flow.config().spanLimits());
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::handle);
    router.post(PREFIXED_PATH).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    if (flow.refuseWhileDraining(ctx, replies)) {
      return;
    }
    String contentType = ctx.request().getHeader("Content-Type");
    String mime = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean isProto = mime.equals("application/x-protobuf") || mime.equals("application/protobuf");
    // Zipkin's own collector takes a body without a content type as JSON.
    if (!isProto && !mime.equals(JSON) && !mime.isEmpty()) {
      flow.unsupportedMediaType(ctx, replies,
          "Content-Type must be application/json or application/x-protobuf, got '" + contentType + "'");
      return;
    }
    int maxSpans = flow.config().maxSpansPerRequest();
    flow.receive(ctx, replies, bytes -> flow.decode(bytes.length,
            () -> isProto ? proto3.decode(bytes, maxSpans) : json.decode(bytes, maxSpans))
        .compose(result -> act(ctx, result)));
  }

  private Future<Void> act(RoutingContext ctx, ConversionResult result) {
    if (result instanceof ConversionResult.Malformed m) {
      return flow.malformed(ctx, replies, m.message());
    }
    if (result instanceof ConversionResult.TooManySpans t) {
      return flow.tooManySpans(ctx, replies, t.max());
    }
    ConversionResult.Converted c = (ConversionResult.Converted) result;
    if (c.rejected() > 0) {
      flow.spansRejected(c.total());
      JsonArray details = new JsonArray();
      for (FieldError e : c.errors()) {
        details.add(new JsonObject().put("index", e.index()).put("field", e.field()).put("message", e.message()));
      }
      flow.rejected(ctx, 400, JSON, new JsonObject().put("error", c.summary() + "; none accepted")
          .put("invalid_spans", c.rejected()).put("details", details).toBuffer());
      return Future.succeededFuture();
    }
    return flow.publish(ctx, replies, c.spans(), () -> flow.accepted(ctx, 202, null, Buffer.buffer()));
  }

  private static void jsonError(RoutingContext ctx, int status, String message) {
    if (IngestFlow.answered(ctx)) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", JSON)
        .end(new JsonObject().put("error", message).toBuffer());
  }
}
