package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.swarm.pipeline.schema.Timestamps;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One trace whose spans arrive over three formats assembles into one complete trace. */
class MixedFormatsTraceTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "500"));

  @Test
  void nativeOtlpAndZipkinSpansOfOneTraceFormOneTree() {
    String trace = TestSpans.newTraceId();
    String root = "a000000000000001";
    String otlpChild = "b000000000000002";
    String zipkinGrandchild = "c000000000000003";
    long t0 = System.currentTimeMillis() - 10_000;

    HttpResponse<String> zipkin = PIPELINE.http().postJson("/api/v2/spans", new JsonArray().add(new JsonObject()
        .put("traceId", trace).put("id", zipkinGrandchild).put("parentId", otlpChild).put("name", "db.query")
        .put("timestamp", (t0 + 20) * 1000).put("duration", 5000)
        .put("localEndpoint", new JsonObject().put("serviceName", "ticket-db"))).encode());
    assertEquals(202, zipkin.statusCode(), zipkin.body());

    Span child = Span.newBuilder().setTraceId(bytes(trace)).setSpanId(bytes(otlpChild)).setParentSpanId(bytes(root))
        .setName("ticket.claim").setKind(Span.SpanKind.SPAN_KIND_SERVER)
        .setStartTimeUnixNano((t0 + 10) * 1_000_000L).setEndTimeUnixNano((t0 + 50) * 1_000_000L).build();
    ExportTraceServiceRequest otlp = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("ticket-api"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(child))).build();
    HttpResponse<String> otlpAnswer = PIPELINE.http().post("/v1/traces", otlp.toByteArray(), "application/x-protobuf");
    assertEquals(200, otlpAnswer.statusCode(), otlpAnswer.body());

    HttpResponse<String> nativeAnswer = PIPELINE.http().postJson("/api/traces", new JsonObject().put("id", root)
        .put("trace_id", trace).put("span_name", "http.request").put("span_kind", "server")
        .put("start_time", Timestamps.formatIso(t0)).put("end_time", Timestamps.formatIso(t0 + 100))
        .put("tenant_id", "acme").encode());
    assertEquals(202, nativeAnswer.statusCode(), nativeAnswer.body());

    HttpResponse<String> found = Await.until("the mixed trace stored complete", Duration.ofSeconds(30),
        () -> PIPELINE.http().get("/api/traces/" + trace),
        r -> r.statusCode() == 200 && new JsonObject(r.body()).getBoolean("complete"));
    JsonObject t = new JsonObject(found.body());
    assertEquals(3, t.getInteger("span_count"));
    assertEquals(0, t.getInteger("orphan_count"));
    assertEquals("complete", t.getString("verdict"));
    JsonObject r = t.getJsonObject("root");
    assertEquals(root, r.getString("id"));
    JsonObject c = r.getJsonArray("children").getJsonObject(0);
    assertEquals(otlpChild, c.getString("id"));
    assertEquals("ticket-api", c.getJsonObject("attributes").getString("service.name"));
    JsonObject g = c.getJsonArray("children").getJsonObject(0);
    assertEquals(zipkinGrandchild, g.getString("id"));
    assertEquals("ticket-db", g.getJsonObject("attributes").getString("service.name"));
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }
}
