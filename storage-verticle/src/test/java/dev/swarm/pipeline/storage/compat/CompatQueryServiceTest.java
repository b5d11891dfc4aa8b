package dev.swarm.pipeline.storage.compat;

import static dev.swarm.pipeline.storage.Await.await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceShape;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.StoredSpan;
import dev.swarm.pipeline.storage.TestStore;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.TraceWriter;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Zipkin/Tempo reads against a real SQLite file written by the real writer (V3 tables included). */
class CompatQueryServiceTest {
  static final long NOW = System.currentTimeMillis();
  static final String TRACE = "0000000000000000a3ce929d0e0e4736";

  @TempDir
  Path dir;

  private TestStore store;
  private TraceWriter writer;
  private CompatQueryService service;

  @BeforeEach
  void open() {
    store = TestStore.open(dir.resolve("swarm.db"), 1000, 2);
    writer = store.writer;
    service = new CompatQueryService(new TraceQueryService(store.vertx, store.database.readerPool(), 20_000));
  }

  @AfterEach
  void close() {
    store.close();
  }

  static Span span(String trace, String id, String parent, String name, SpanKind kind, SpanStatus status, long start,
      String attributes) {
    return new Span(id, trace, parent, name, kind, status, start, start + 20, 20L, "acme", null, null, attributes,
        "[{\"name\":\"retry\",\"time\":\"2026-01-01T00:00:00.000Z\",\"attributes\":{\"n\":1}}]", 1);
  }

  private void store(List<Span> spans) {
    var shape = TraceShape.analyze(spans.stream().map(Span::id).toList(),
        spans.stream().map(Span::parentSpanId).toList());
    await(writer.write(List.of(new TraceRecord(spans.get(0).traceId(), TraceVerdict.COMPLETE, shape.spanCount(),
        shape.rootCount(), shape.orphanCount(), shape.cycleCount(), 0, NOW, NOW, spans))));
  }

  /** Client and shared server span of a Zipkin call, plus a child of the server, plus a native trace. */
  private void storeExample() {
    store(List.of(
        span(TRACE, "00f067aa0ba902b7", null, "GET /tickets", SpanKind.CLIENT, SpanStatus.ERROR, NOW - 1000,
            "{\"service.name\":\"Frontend\",\"peer.service\":\"ticket-api\",\"http.status_code\":503,\"otel.status_description\":\"boom\"}"),
        span(TRACE, "00f067aa0ba902b7:server", "00f067aa0ba902b7", "get /tickets", SpanKind.SERVER, SpanStatus.UNSET,
            NOW - 990, "{\"service.name\":\"ticket-api\"}"),
        span(TRACE, "b7ad6b7169203331", "00f067aa0ba902b7", "db.query", SpanKind.CLIENT, SpanStatus.OK, NOW - 980,
            "{\"service.name\":\"ticket-api\",\"otel.span_kind\":\"producer\",\"db\":{\"rows\":2}}")));
    store(List.of(span("native-trace-1", "root", null, "agent.run", SpanKind.INTERNAL, SpanStatus.OK, NOW - 500, "{}")));
  }

  @Test
  void servicesAndSpanNamesComeFromTheWriterMaintainedTables() {
    storeExample();
    assertEquals(new JsonArray(List.of("frontend", "ticket-api", "unknown")), new JsonArray(await(service.services(null))));
    assertEquals(new JsonArray(List.of("db.query", "get /tickets")), new JsonArray(await(service.spanNames("ticket-api", null))));
  }

  @Test
  void aTraceReadsBackAsZipkinWithTheSharedSpanRestored() {
    storeExample();
    JsonArray spans = new JsonArray(await(service.zipkinTrace("a3ce929d0e0e4736", null))); // the 16-digit form finds it
    assertEquals(3, spans.size());
    JsonObject client = spans.getJsonObject(0);
    assertEquals(TRACE, client.getString("traceId"));
    assertEquals("00f067aa0ba902b7", client.getString("id"));
    assertNull(client.getString("parentId"));
    assertEquals("CLIENT", client.getString("kind"));
    assertEquals((NOW - 1000) * 1000, client.getLong("timestamp"));
    assertEquals(20_000L, client.getLong("duration"));
    assertEquals("Frontend", client.getJsonObject("localEndpoint").getString("serviceName"));
    assertEquals("ticket-api", client.getJsonObject("remoteEndpoint").getString("serviceName"));
    JsonObject tags = client.getJsonObject("tags");
    assertEquals("503", tags.getString("http.status_code")); // tags are strings
    assertEquals("boom", tags.getString("error"));
    assertEquals("acme", tags.getString("tenant_id"));
    assertEquals("retry {\"n\":1}", client.getJsonArray("annotations").getJsonObject(0).getString("value"));

    JsonObject server = spans.getJsonObject(1);
    assertEquals("00f067aa0ba902b7", server.getString("id"));
    assertTrue(server.getBoolean("shared"));
    assertNull(server.getString("parentId")); // the client's parent: none
    JsonObject db = spans.getJsonObject(2);
    assertEquals("PRODUCER", db.getString("kind"));
    assertEquals("{\"rows\":2}", db.getJsonObject("tags").getString("db"));
    assertEquals("OK", db.getJsonObject("tags").getString("otel.status_code"));

    assertNull(await(service.zipkinTrace("ffffffffffffffff", null)));
  }

  @Test
  void nonHexIdsAreHashedConsistentlyAndKept() {
    storeExample();
    JsonObject span = new JsonArray(await(service.zipkinTrace("native-trace-1", null))).getJsonObject(0);
    assertTrue(span.getString("traceId").matches("[0-9a-f]{32}"), span.encode());
    assertTrue(span.getString("id").matches("[0-9a-f]{16}"), span.encode());
    assertEquals("root", span.getJsonObject("tags").getString("swarm.span_id"));
    assertFalse(span.containsKey("localEndpoint"));
  }

  @Test
  void searchFindsTracesByServiceSpanNameDurationAndAnnotation() {
    storeExample();
    assertEquals(1, search(Map.of("serviceName", "TICKET-API", "spanName", "DB.query")).size());
    assertEquals(0, search(Map.of("serviceName", "ticket-api", "spanName", "nope")).size());
    assertEquals(1, search(Map.of("serviceName", "frontend", "minDuration", "20000", "maxDuration", "20000")).size());
    assertEquals(0, search(Map.of("serviceName", "frontend", "minDuration", "20001")).size());
    assertEquals(1, search(Map.of("serviceName", "frontend", "annotationQuery", "http.status_code=503 and error")).size());
    assertEquals(1, search(Map.of("serviceName", "frontend", "annotationQuery", "retry")).size());
    assertEquals(0, search(Map.of("serviceName", "frontend", "annotationQuery", "http.status_code=200")).size());
    assertEquals(0, search(Map.of("serviceName", "frontend", "endTs", Long.toString(NOW - 5000))).size());
    // Native trace ids that are not hex are left out of listings (Zipkin readers cannot parse them).
    assertEquals(0, search(Map.of("serviceName", "unknown")).size());
    JsonArray traces = search(Map.of("serviceName", "ticket-api"));
    JsonArray first = traces.getJsonArray(0);
    assertEquals(3, first.size());
    assertTrue(first.stream().anyMatch(s -> !((JsonObject) s).containsKey("parentId")), "a root for Grafana's picker");
  }

  @Test
  void aTraceIndexedTwiceForAServiceIsListedOnce() {
    String trace = "00000000000000000000000000000abc";
    store(List.of(span(trace, "0000000000000001", null, "late root", SpanKind.SERVER, SpanStatus.OK, NOW - 1000,
        "{\"service.name\":\"api\"}")));
    // A late span of the same service that starts earlier: a second trace_services row for the trace.
    store(List.of(span(trace, "0000000000000002", "0000000000000001", "early", SpanKind.CLIENT, SpanStatus.OK,
        NOW - 2000, "{\"service.name\":\"api\"}")));
    JsonArray traces = search(Map.of("serviceName", "api"));
    assertEquals(1, traces.size());
    assertEquals(2, traces.getJsonArray(0).size());
  }

  private JsonArray search(Map<String, String> params) {
    Map<String, List<String>> multi = new java.util.LinkedHashMap<>();
    params.forEach((k, v) -> multi.put(k, List.of(v)));
    return new JsonArray(await(service.zipkinTraces(ZipkinTraceQuery.parse(multi, NOW), null)));
  }

  @Test
  void tempoAnswersOtlpProtobufWrappedAsTempoDoes() throws Exception {
    storeExample();
    List<StoredSpan> spans = await(service.trace(TRACE, null));
    byte[] v2 = CompatRoutes.tempoBody(spans, true, true).getBytes();
    // TraceByIDResponse { Trace trace = 1 }: field 1, length-delimited, holding TracesData bytes.
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(v2);
    assertEquals((1 << 3) | 2, in.readTag());
    TracesData data = TracesData.parseFrom(in.readByteArray());
    assertEquals(data, TracesData.parseFrom(CompatRoutes.tempoBody(spans, false, true).getBytes()));
    assertEquals(2, data.getResourceSpansCount());
    ResourceSpans frontend = data.getResourceSpans(0);
    assertEquals("Frontend", frontend.getResource().getAttributes(0).getValue().getStringValue());
    io.opentelemetry.proto.trace.v1.Span client = frontend.getScopeSpans(0).getSpans(0);
    assertEquals(TRACE, HexFormat.of().formatHex(client.getTraceId().toByteArray()));
    assertEquals("00f067aa0ba902b7", HexFormat.of().formatHex(client.getSpanId().toByteArray()));
    assertEquals(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR, client.getStatus().getCode());
    assertEquals("boom", client.getStatus().getMessage());
    assertEquals((NOW - 1000) * 1_000_000L, client.getStartTimeUnixNano());
    io.opentelemetry.proto.trace.v1.Span server = data.getResourceSpans(1).getScopeSpans(0).getSpans(0);
    assertEquals(client.getSpanId(), server.getParentSpanId()); // the shared server half: its own id, under the client
    assertTrue(!server.getSpanId().equals(client.getSpanId()));
    io.opentelemetry.proto.trace.v1.Span db = data.getResourceSpans(1).getScopeSpans(0).getSpans(1);
    assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER, db.getKind());

    JsonObject json = new JsonObject(CompatRoutes.tempoBody(spans, true, false));
    JsonObject jsonSpan = json.getJsonObject("trace").getJsonArray("resourceSpans").getJsonObject(0)
        .getJsonArray("scopeSpans").getJsonObject(0).getJsonArray("spans").getJsonObject(0);
    assertEquals(java.util.Base64.getEncoder().encodeToString(client.getSpanId().toByteArray()), jsonSpan.getString("spanId"));
    assertEquals("SPAN_KIND_CLIENT", jsonSpan.getString("kind"));
    assertTrue(new JsonObject(CompatRoutes.tempoBody(spans, false, false)).containsKey("batches"));
  }
}
