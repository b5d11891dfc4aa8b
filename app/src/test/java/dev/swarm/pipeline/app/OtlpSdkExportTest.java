package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Timestamps;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenTelemetry Java SDK's own OTLP/HTTP exporter, over http/protobuf and http/json, exports a small trace
 * tree to {@code POST /v1/traces}; the stored trace matches what was sent.
 */
class OtlpSdkExportTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300"));

  @Test
  void protobufExportIsStoredAsSent() throws Exception {
    exportAndCheck(false);
  }

  @Test
  void jsonExportIsStoredAsSent() throws Exception {
    exportAndCheck(true);
  }

  private void exportAndCheck(boolean json) throws Exception {
    OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder()
        .setEndpoint("http://127.0.0.1:" + PIPELINE.app().config().httpPort() + "/v1/traces")
        .setCompression("gzip");
    if (json) {
      exportAsJson(builder);
    }
    OtlpHttpSpanExporter exporter = builder.build();
    assertTrue(exporter.toString().contains("exportAsJson=" + json), exporter.toString());
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), "otel-checkout", AttributeKey.stringKey("tenant.id"), "acme")));
    SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource)
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
    Tracer tracer = provider.get("dev.swarm.test", "1.0");

    Instant t0 = Instant.now().minusSeconds(5);
    Span root = tracer.spanBuilder("POST /checkout").setSpanKind(SpanKind.SERVER).setStartTimestamp(t0)
        .setAttribute("http.status_code", 200L).setAttribute("ticket_id", "T-42").startSpan();
    Span child = tracer.spanBuilder("charge card").setParent(Context.root().with(root)).setSpanKind(SpanKind.CLIENT)
        .setStartTimestamp(t0.plusMillis(10)).setAttribute("amount", 12.5).startSpan();
    child.addEvent("retry", Attributes.of(AttributeKey.longKey("attempt"), 2L), t0.plusMillis(20));
    Span grandchild = tracer.spanBuilder("publish receipt").setParent(Context.root().with(child))
        .setSpanKind(SpanKind.PRODUCER).setStartTimestamp(t0.plusMillis(30)).startSpan();
    grandchild.setStatus(StatusCode.ERROR, "queue full");
    grandchild.end(t0.plusMillis(40));
    child.end(t0.plusMillis(50));
    root.end(t0.plusMillis(60));
    CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
    assertTrue(flushed.isSuccess(), "the SDK's export failed");
    provider.shutdown().join(10, TimeUnit.SECONDS);

    String traceId = root.getSpanContext().getTraceId();
    JsonObject trace = awaitComplete(traceId);
    assertEquals(3, trace.getInteger("span_count"));
    assertEquals("acme", trace.getString("tenant_id"));
    assertEquals("T-42", trace.getString("ticket_id"));

    JsonObject r = trace.getJsonObject("root");
    assertEquals(root.getSpanContext().getSpanId(), r.getString("id"));
    assertNull(r.getString("parent_span_id"));
    assertEquals("POST /checkout", r.getString("span_name"));
    assertEquals("server", r.getString("span_kind"));
    assertEquals(Timestamps.formatIso(t0.toEpochMilli()), r.getString("start_time"));
    assertEquals(Timestamps.formatIso(t0.toEpochMilli() + 60), r.getString("end_time"));
    assertEquals(60L, r.getLong("duration_ms"));
    JsonObject rootAttributes = r.getJsonObject("attributes");
    assertEquals("otel-checkout", rootAttributes.getString("service.name"));
    assertEquals(List.of("service.name"), rootAttributes.fieldNames().stream().limit(1).toList(), "service.name first");
    assertEquals(200L, rootAttributes.getLong("http.status_code"));
    assertEquals("dev.swarm.test", rootAttributes.getString("otel.scope.name"));
    assertEquals("java", rootAttributes.getString("telemetry.sdk.language"));

    JsonObject c = r.getJsonArray("children").getJsonObject(0);
    assertEquals(child.getSpanContext().getSpanId(), c.getString("id"));
    assertEquals(root.getSpanContext().getSpanId(), c.getString("parent_span_id"));
    assertEquals("client", c.getString("span_kind"));
    assertEquals(12.5, c.getJsonObject("attributes").getDouble("amount"));
    JsonArray events = c.getJsonArray("events");
    assertEquals("retry", events.getJsonObject(0).getString("name"));
    assertEquals(Timestamps.formatIso(t0.toEpochMilli() + 20), events.getJsonObject(0).getString("time"));
    assertEquals(2L, events.getJsonObject(0).getJsonObject("attributes").getLong("attempt"));

    JsonObject g = c.getJsonArray("children").getJsonObject(0);
    assertEquals(grandchild.getSpanContext().getSpanId(), g.getString("id"));
    assertEquals("client", g.getString("span_kind"));
    assertEquals("error", g.getString("status"));
    assertEquals("producer", g.getJsonObject("attributes").getString("otel.span_kind"));
    assertEquals("queue full", g.getJsonObject("attributes").getString("otel.status_description"));
  }

  /** The SDK has no public JSON switch in this version; its builder's internal one is what http/json uses. */
  private static void exportAsJson(OtlpHttpSpanExporterBuilder builder) throws Exception {
    Field delegate = OtlpHttpSpanExporterBuilder.class.getDeclaredField("delegate");
    delegate.setAccessible(true);
    Object httpBuilder = delegate.get(builder);
    httpBuilder.getClass().getMethod("exportAsJson").invoke(httpBuilder);
  }

  static JsonObject awaitComplete(String traceId) {
    HttpResponse<String> found = Await.until("trace " + traceId + " stored complete", Duration.ofSeconds(30),
        () -> PIPELINE.http().get("/api/traces/" + traceId),
        r -> r.statusCode() == 200 && new JsonObject(r.body()).getBoolean("complete"));
    return new JsonObject(found.body());
  }
}
