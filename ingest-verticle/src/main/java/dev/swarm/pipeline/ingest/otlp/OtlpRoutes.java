package dev.swarm.pipeline.ingest.otlp;

import com.google.protobuf.CodedOutputStream;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.ingest.IngestFlow;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * OTLP/HTTP trace receiver, {@code POST /v1/traces}: {@code application/x-protobuf} or {@code application/json}
 * (gzip handled by the server), answered in the request's encoding. Full success: 200 with an empty
 * {@code ExportTraceServiceResponse}; spans that break the contract are left out and reported in
 * {@code partial_success} (200); an undecodable body is 400, an oversized one 413, overload and broker outages
 * 503 with {@code Retry-After}. Error bodies are {@code google.rpc.Status} messages, as OTLP specifies.
 */
public final class OtlpRoutes {
  public static final String PATH = "/v1/traces";
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";

  private final IngestFlow flow;
  private final OtlpProtobufDecoder protobuf;
  private final OtlpJsonDecoder json;

  public OtlpRoutes(IngestFlow flow) {
    this.flow = flow;
    this.protobuf = new OtlpProtobufDecoder(flow.config().spanLimits());
    this.json = new OtlpJsonDecoder(flow.config().spanLimits());
  }

  public void mount(Router router) {
    router.post(PATH).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    boolean isJson = JSON.equals(mime(contentType));
    IngestFlow.Replies replies = isJson ? OtlpRoutes::jsonStatus : OtlpRoutes::protobufStatus;
    if (flow.refuseWhileDraining(ctx, replies)) {
      return;
    }
    if (!isJson && !isProtobuf(mime(contentType))) {
      flow.unsupportedMediaType(ctx, replies, "Content-Type must be application/x-protobuf or application/json, got "
          + (contentType == null ? "none" : "'" + contentType + "'"));
      return;
    }
    int maxSpans = flow.config().maxSpansPerRequest();
    flow.receive(ctx, replies, bytes -> flow.decodeHolding(ctx, replies, bytes.length, HEAP_PER_BODY_BYTE,
            () -> isJson ? json.decode(bytes, maxSpans) : protobuf.decode(bytes, maxSpans))
        .compose(result -> result == null ? Future.succeededFuture() : act(ctx, replies, isJson, result)));
  }

  /**
   * In-flight budget held per body byte while it is parsed into the generated messages. Measured on protobuf
   * (ingest README, "OTLP"): typical spans take 6× their wire size while parsed and translated, a body of empty
   * attributes 26×. With 8, concurrent decoding holds at most 26/8 of MAX_INFLIGHT_BYTES in the worst case (and
   * about the budget itself for honest spans), instead of 26 times every body in flight: hostile bodies could
   * otherwise exhaust the heap. JSON builds the same messages from a longer text: at most 18× its size (a body of
   * empty {@code {}} attributes or events; {@code OtlpJsonHeapMeasure}), under protobuf's worst case, so the same
   * weight bounds it.
   */
  static final int HEAP_PER_BODY_BYTE = 8;

  private Future<Void> act(RoutingContext ctx, IngestFlow.Replies replies, boolean isJson, ConversionResult result) {
    if (result instanceof ConversionResult.Malformed m) {
      return flow.malformed(ctx, replies, m.message());
    }
    if (result instanceof ConversionResult.TooManySpans t) {
      return flow.tooManySpans(ctx, replies, t.max());
    }
    ConversionResult.Converted c = (ConversionResult.Converted) result;
    String contentType = isJson ? JSON : PROTOBUF;
    if (c.rejected() > 0) {
      flow.spansRejected(c.rejected());
    }
    Buffer answer = response(isJson, c.rejected(), c.rejected() > 0 ? c.summary() : null);
    if (c.spans().isEmpty() && c.rejected() > 0) {
      flow.rejected(ctx, 200, contentType, answer); // nothing to publish; the client must not retry
      return Future.succeededFuture();
    }
    return flow.publish(ctx, replies, c.spans(), () -> flow.accepted(ctx, 200, contentType, answer));
  }

  /** {@code ExportTraceServiceResponse}: empty on full success, else with {@code partial_success}. */
  static Buffer response(boolean isJson, int rejected, String message) {
    if (isJson) {
      JsonObject body = new JsonObject();
      if (rejected > 0) {
        // proto3 JSON writes int64 as a string.
        body.put("partialSuccess", new JsonObject().put("rejectedSpans", Long.toString(rejected))
            .put("errorMessage", message));
      }
      return body.toBuffer();
    }
    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
    if (rejected > 0) {
      response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
          .setRejectedSpans(rejected).setErrorMessage(message));
    }
    return Buffer.buffer(response.build().toByteArray());
  }

  /** A {@code google.rpc.Status} error body in protobuf (code = 1, message = 2). */
  private static void protobufStatus(RoutingContext ctx, int status, String message) {
    if (IngestFlow.answered(ctx)) {
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(message.length() + 8);
    CodedOutputStream coded = CodedOutputStream.newInstance(out);
    try {
      coded.writeInt32(1, grpcCode(status));
      coded.writeString(2, message);
      coded.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", PROTOBUF).end(Buffer.buffer(out.toByteArray()));
  }

  private static void jsonStatus(RoutingContext ctx, int status, String message) {
    if (IngestFlow.answered(ctx)) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", JSON)
        .end(new JsonObject().put("code", grpcCode(status)).put("message", message).toBuffer());
  }

  /** The gRPC status code that goes with an HTTP answer (OTLP error bodies carry one). */
  static int grpcCode(int httpStatus) {
    switch (httpStatus) {
      case 400:
      case 415:
        return 3; // INVALID_ARGUMENT
      case 401:
        return 16; // UNAUTHENTICATED
      case 403:
        return 7; // PERMISSION_DENIED
      case 413:
      case 429:
        return 8; // RESOURCE_EXHAUSTED
      case 503:
        return 14; // UNAVAILABLE
      default:
        return 13; // INTERNAL
    }
  }

  private static String mime(String contentType) {
    return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
  }

  private static boolean isProtobuf(String mime) {
    return mime.equals(PROTOBUF) || mime.equals("application/protobuf");
  }
}
