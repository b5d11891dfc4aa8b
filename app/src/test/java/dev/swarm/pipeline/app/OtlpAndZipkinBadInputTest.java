package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Malformed OTLP and Zipkin bodies get the right status and publish nothing; a partially invalid OTLP request
 * stores exactly its valid spans and reports how many were rejected.
 */
class OtlpAndZipkinBadInputTest {
  @RegisterExtension static final PipelineExtension PIPELINE =
      new PipelineExtension(Map.of("MAX_BODY_BYTES", "65536", "TRACE_IDLE_MS", "300"));

  private static final String PROTOBUF = "application/x-protobuf";

  @Test
  void badBodiesAreRefusedAndNothingIsPublished() throws Exception {
    Http http = PIPELINE.http();
    long recordsBefore = TopicReader.recordCount(PIPELINE.app().bootstrapServers(), PIPELINE.app().config().spansTopic());
    HttpResponse<byte[]> garbage = postBytes("/v1/traces", new byte[] {0x0a, 0x7f, 0x01}, PROTOBUF);
    assertEquals(400, garbage.statusCode());
    assertEquals(PROTOBUF, garbage.headers().firstValue("Content-Type").orElse(""));
    // The error body is a google.rpc.Status: code 3 (INVALID_ARGUMENT), then the message.
    CodedInputStream status = CodedInputStream.newInstance(garbage.body());
    assertEquals((1 << 3), status.readTag());
    assertEquals(3, status.readInt32());
    assertEquals((2 << 3) | 2, status.readTag());
    assertTrue(status.readString().contains("ExportTraceServiceRequest"));

    // proto3 strings must be UTF-8 (the generated parser checks): a span name with a stray byte refuses the body.
    byte[] notUtf8 = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(TestSpans.newTraceId(), "0000000000000001", null,
            System.currentTimeMillis() * 1_000_000L).setName("#bad#")))).build().toByteArray();
    notUtf8[new String(notUtf8, StandardCharsets.ISO_8859_1).indexOf("#bad#")] = (byte) 0xff;
    HttpResponse<byte[]> refused = postBytes("/v1/traces", notUtf8, PROTOBUF);
    assertEquals(400, refused.statusCode());
    CodedInputStream refusal = CodedInputStream.newInstance(refused.body());
    assertEquals((1 << 3), refusal.readTag());
    assertEquals(3, refusal.readInt32());
    assertEquals((2 << 3) | 2, refusal.readTag());
    String why = refusal.readString();
    assertTrue(why.contains("not valid UTF-8"), why);

    HttpResponse<String> badJson = http.postJson("/v1/traces", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":7}]}]}]}");
    assertEquals(400, badJson.statusCode());
    assertEquals(3, new JsonObject(badJson.body()).getInteger("code"));

    assertEquals(415, http.post("/v1/traces", new byte[] {1}, "text/plain").statusCode());
    assertEquals(413, http.post("/v1/traces", new byte[70_000], PROTOBUF).statusCode());

    HttpResponse<String> zipkinSyntax = http.postJson("/api/v2/spans", "[{\"traceId\":");
    assertEquals(400, zipkinSyntax.statusCode());
    HttpResponse<String> zipkinInvalid = http.postJson("/api/v2/spans", new JsonArray()
        .add(new JsonObject().put("traceId", "a1").put("id", "b2").put("name", "ok").put("timestamp", 1_700_000_000_000_000L))
        .add(new JsonObject().put("traceId", "not-hex").put("id", "b3").put("name", "bad").put("timestamp", 1)).encode());
    assertEquals(400, zipkinInvalid.statusCode());
    JsonObject details = new JsonObject(zipkinInvalid.body());
    assertEquals(1, details.getInteger("invalid_spans"));
    assertEquals("trace_id", details.getJsonArray("details").getJsonObject(0).getString("field"));
    assertEquals(415, http.post("/api/v2/spans", new byte[] {1}, "text/plain").statusCode());

    assertEquals(recordsBefore, TopicReader.recordCount(PIPELINE.app().bootstrapServers(),
        PIPELINE.app().config().spansTopic()), "nothing may be published for refused requests");
  }

  @Test
  void aPartlyInvalidOtlpRequestStoresExactlyItsValidSpans() throws Exception {
    String trace = TestSpans.newTraceId();
    long t0 = (System.currentTimeMillis() - 5000) * 1_000_000L;
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(trace, "0000000000000001", null, t0))
            .addSpans(span(trace, "0000000000000002", "0000000000000001", t0).setEndTimeUnixNano(t0 - 1_000_000_000L))
            .addSpans(span(trace, "0000000000000003", "0000000000000001", t0))
            .addSpans(span(trace, "0000000000000004", "0000000000000001", t0).setSpanId(ByteString.copyFrom(new byte[3])))))
        .build();
    HttpResponse<byte[]> answer = postBytes("/v1/traces", request.toByteArray(), PROTOBUF);
    assertEquals(200, answer.statusCode());
    ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(answer.body());
    assertEquals(2, response.getPartialSuccess().getRejectedSpans());
    assertTrue(response.getPartialSuccess().getErrorMessage().contains("spans[1].end_time"),
        response.getPartialSuccess().getErrorMessage());

    HttpResponse<String> stored = Await.until("the valid spans stored", Duration.ofSeconds(30),
        () -> PIPELINE.http().get("/api/traces/" + trace),
        r -> r.statusCode() == 200 && new JsonObject(r.body()).getBoolean("complete"));
    JsonObject t = new JsonObject(stored.body());
    assertEquals(2, t.getInteger("span_count"));
    assertEquals("0000000000000003", t.getJsonObject("root").getJsonArray("children").getJsonObject(0).getString("id"));

    // A fully valid request: 200 and no partial_success at all.
    HttpResponse<byte[]> ok = postBytes("/v1/traces", ExportTraceServiceRequest.newBuilder().addResourceSpans(
        ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(TestSpans.newTraceId(), "0000000000000001", null, t0)))).build().toByteArray(), PROTOBUF);
    assertEquals(200, ok.statusCode());
    assertEquals(0, ok.body().length);
    HttpResponse<String> okJson = PIPELINE.http().postJson("/v1/traces", "{\"resourceSpans\":[]}");
    assertEquals(200, okJson.statusCode());
    assertEquals("{}", okJson.body());
  }

  private static Span.Builder span(String trace, String id, String parent, long startNanos) {
    Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(trace)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(id))).setName("step " + id)
        .setStartTimeUnixNano(startNanos).setEndTimeUnixNano(startNanos + 1_000_000L);
    if (parent != null) {
      b.setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(parent)));
    }
    return b;
  }

  private static HttpResponse<byte[]> postBytes(String path, byte[] body, String contentType) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PIPELINE.app().config().httpPort() + path))
        .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
  }
}
