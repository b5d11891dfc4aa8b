package dev.swarm.pipeline.ingest.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.SpanWriter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.Span.Event;
import io.opentelemetry.proto.trace.v1.Span.Link;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Both OTLP decoders on the same request: the protobuf one and the JSON one must give identical spans. */
class OtlpDecodersTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String ROOT = "00f067aa0ba902b7";
  static final String CHILD = "b7ad6b7169203331";
  static final long START = 1_764_285_863_123_456_789L; // 2025-11-27T23:24:23.123456789Z
  static final SpanLimits LIMITS = SpanLimits.DEFAULTS;

  private final OtlpProtobufDecoder protobuf = new OtlpProtobufDecoder(LIMITS);
  private final OtlpJsonDecoder json = new OtlpJsonDecoder(LIMITS);

  static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  static ByteString id(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  static io.opentelemetry.proto.trace.v1.Span.Builder span(String spanId, String parent, String name) {
    io.opentelemetry.proto.trace.v1.Span.Builder b = io.opentelemetry.proto.trace.v1.Span.newBuilder()
        .setTraceId(id(TRACE)).setSpanId(id(spanId)).setName(name)
        .setStartTimeUnixNano(START).setEndTimeUnixNano(START + 1_500_000_000L);
    if (parent != null) {
      b.setParentSpanId(id(parent));
    }
    return b;
  }

  static ExportTraceServiceRequest request() {
    AnyValue nested = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(kv("a", AnyValue.newBuilder().setIntValue(1).build()))
        .addValues(kv("b", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
            .addValues(str("x")).addValues(AnyValue.newBuilder().setBoolValue(true).build())).build()))).build();
    io.opentelemetry.proto.trace.v1.Span root = span(ROOT, null, "GET /tickets")
        .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER)
        .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("boom"))
        .addAttributes(kv("http.status_code", AnyValue.newBuilder().setIntValue(503).build()))
        .addAttributes(kv("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()))
        .addAttributes(kv("nested", nested))
        .addAttributes(kv("ticket_id", str("T-17")))
        .addEvents(io.opentelemetry.proto.trace.v1.Span.Event.newBuilder().setName("retry")
            .setTimeUnixNano(START + 2_000_000L).addAttributes(kv("attempt", AnyValue.newBuilder().setIntValue(2).build())))
        .build();
    io.opentelemetry.proto.trace.v1.Span child = span(CHILD, ROOT, "publish")
        .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER)
        .addAttributes(kv("service.name", str("overridden-by-resource")))
        .build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(kv("host.name", str("vm-1")))
                .addAttributes(kv("service.name", str("ticket-api")))
                .addAttributes(kv("tenant.id", str("acme"))))
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.example").setVersion("1.2"))
                .addSpans(root).addSpans(child)))
        .build();
  }

  /** The same request as OTLP/JSON, written the way the spec shows it (ints as strings, enums as numbers). */
  static final String JSON_REQUEST = """
      {"resourceSpans":[{"resource":{"attributes":[
          {"key":"host.name","value":{"stringValue":"vm-1"}},
          {"key":"service.name","value":{"stringValue":"ticket-api"}},
          {"key":"tenant.id","value":{"stringValue":"acme"}}]},
        "scopeSpans":[{"scope":{"name":"io.example","version":"1.2"},"spans":[
          {"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00f067aa0ba902b7","parentSpanId":"",
           "name":"GET /tickets","kind":2,"startTimeUnixNano":"1764285863123456789","endTimeUnixNano":1764285864623456789,
           "attributes":[{"key":"http.status_code","value":{"intValue":"503"}},
             {"key":"ratio","value":{"doubleValue":0.25}},
             {"value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":1}},
               {"key":"b","value":{"arrayValue":{"values":[{"stringValue":"x"},{"boolValue":true}]}}}]}},"key":"nested"},
             {"key":"ticket_id","value":{"stringValue":"T-17"}}],
           "events":[{"timeUnixNano":"1764285863125456789","name":"retry","attributes":[{"key":"attempt","value":{"intValue":"2"}}]}],
           "status":{"code":2,"message":"boom"},"flags":1,"unknownField":{"x":[1,2]}},
          {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b7ad6b7169203331","parentSpanId":"00f067aa0ba902b7",
           "name":"publish","kind":"SPAN_KIND_PRODUCER","startTimeUnixNano":"1764285863123456789",
           "endTimeUnixNano":"1764285864623456789","attributes":[{"key":"service.name","value":{"stringValue":"overridden-by-resource"}}]}
        ]}]}]}
      """;

  private static List<Span> accepted(ConversionResult r) {
    ConversionResult.Converted c = assertInstanceOf(ConversionResult.Converted.class, r);
    assertEquals(0, c.rejected(), c.errors().toString());
    return c.spans();
  }

  @Test
  void protobufMapsEveryFieldOfTheContract() {
    List<Span> spans = accepted(protobuf.decode(request().toByteArray(), 100));
    assertEquals(2, spans.size());
    Span root = spans.get(0);
    assertEquals(ROOT, root.id());
    assertEquals(TRACE, root.traceId());
    assertNull(root.parentSpanId());
    assertEquals("GET /tickets", root.spanName());
    assertEquals(SpanKind.SERVER, root.spanKind());
    assertEquals(SpanStatus.ERROR, root.status());
    assertEquals(1_764_285_863_123L, root.startEpochMillis());
    assertEquals(1_764_285_864_623L, root.endEpochMillis());
    assertEquals(1500L, root.durationMs());
    assertEquals("acme", root.tenantId());
    assertEquals("T-17", root.ticketId());
    assertNull(root.agentId());
    assertEquals("{\"service.name\":\"ticket-api\",\"http.status_code\":503,\"ratio\":0.25,"
        + "\"nested\":{\"a\":1,\"b\":[\"x\",true]},\"ticket_id\":\"T-17\",\"otel.status_description\":\"boom\","
        + "\"host.name\":\"vm-1\",\"tenant.id\":\"acme\",\"otel.scope.name\":\"io.example\",\"otel.scope.version\":\"1.2\"}",
        root.attributesJson());
    assertEquals("[{\"name\":\"retry\",\"time\":\"2025-11-27T23:24:23.125Z\",\"attributes\":{\"attempt\":2}}]",
        root.eventsJson());
    assertEquals(1, root.eventCount());

    Span child = spans.get(1);
    assertEquals(ROOT, child.parentSpanId());
    assertEquals(SpanKind.CLIENT, child.spanKind());
    assertTrue(child.attributesJson().startsWith("{\"service.name\":\"ticket-api\",\"otel.span_kind\":\"producer\""),
        child.attributesJson());
  }

  @Test
  void jsonGivesTheSameSpansAsProtobuf() {
    List<Span> fromProtobuf = accepted(protobuf.decode(request().toByteArray(), 100));
    List<Span> fromJson = accepted(json.decode(JSON_REQUEST.getBytes(StandardCharsets.UTF_8), 100));
    assertEquals(fromProtobuf, fromJson);
  }

  @Test
  void convertedSpansPassTheContractDecoderUnchanged() {
    List<Span> spans = accepted(protobuf.decode(request().toByteArray(), 100));
    assertEquals(spans, new SpanDecoder(LIMITS).readArray(SpanWriter.writeArray(spans)));
  }

  @Test
  void invalidSpansAreLeftOutAndCountedTheRestKept() {
    ExportTraceServiceRequest r = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(ROOT, null, "ok"))
            .addSpans(span(CHILD, ROOT, "short trace id").setTraceId(id("0102")))
            .addSpans(span("0000000000000001", ROOT, "ends before it starts").setEndTimeUnixNano(START - 1_000_000_000L))
            .addSpans(span("0000000000000002", ROOT, "x".repeat(300)))))
        .build();
    ConversionResult.Converted c = (ConversionResult.Converted) protobuf.decode(r.toByteArray(), 100);
    assertEquals(List.of(ROOT), c.spans().stream().map(Span::id).toList());
    assertEquals(3, c.rejected());
    assertEquals(4, c.total());
    assertEquals(List.of("1:trace_id", "2:end_time", "3:span_name"),
        c.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
    assertTrue(c.summary().startsWith("3 of 4 spans rejected: spans[1].trace_id: must be 16 bytes"), c.summary());
  }

  @Test
  void aTenantIdAttributeBreakingTheTenantRuleRejectsTheSpanInsteadOfBeingIgnored() {
    // Ignored, the span would be stamped with the token's tenant: the client meant another one.
    ExportTraceServiceRequest r = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(kv("tenant.id", str("org:acme"))))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(ROOT, null, "op")
            .addAttributes(kv("ticket.id", str("not a ticket id"))))))
        .build();
    ConversionResult.Converted c = (ConversionResult.Converted) protobuf.decode(r.toByteArray(), 100);
    assertEquals(List.of("0:tenant_id"), c.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
  }

  @Test
  void anUndecodableBodyIsMalformed() {
    byte[] truncated = request().toByteArray();
    truncated = java.util.Arrays.copyOf(truncated, truncated.length - 5);
    assertInstanceOf(ConversionResult.Malformed.class, protobuf.decode(truncated, 100));
    assertInstanceOf(ConversionResult.Malformed.class, protobuf.decode("{\"resourceSpans\":[]}".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("{\"resourceSpans\":[".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":7}]}]}]}".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("[]".getBytes(), 100));
  }

  @Test
  void moreSpansThanAllowedIsTooMany() {
    assertEquals(new ConversionResult.TooManySpans(1), protobuf.decode(request().toByteArray(), 1));
    assertEquals(new ConversionResult.TooManySpans(1), json.decode(JSON_REQUEST.getBytes(StandardCharsets.UTF_8), 1));
  }

  @Test
  void fieldOrderOnTheWireDoesNotMatter() throws IOException {
    // Resource written after the scope spans, and an attribute whose value precedes its key.
    ExportTraceServiceRequest r = request();
    ResourceSpans rs = r.getResourceSpans(0);
    ByteArrayOutputStream kvOut = new ByteArrayOutputStream();
    CodedOutputStream kv = CodedOutputStream.newInstance(kvOut);
    kv.writeMessage(2, AnyValue.newBuilder().setIntValue(42).build());
    kv.writeString(1, "answer");
    kv.flush();
    io.opentelemetry.proto.trace.v1.Span extra = span("0000000000000003", ROOT, "reordered").build();
    ByteArrayOutputStream spanOut = new ByteArrayOutputStream();
    spanOut.write(extra.toByteArray());
    CodedOutputStream spanCoded = CodedOutputStream.newInstance(spanOut);
    spanCoded.writeByteArray(9, kvOut.toByteArray());
    spanCoded.flush();
    ByteArrayOutputStream scopeOut = new ByteArrayOutputStream();
    CodedOutputStream scope = CodedOutputStream.newInstance(scopeOut);
    scope.writeByteArray(2, spanOut.toByteArray());
    scope.flush();
    ByteArrayOutputStream rsOut = new ByteArrayOutputStream();
    CodedOutputStream rsCoded = CodedOutputStream.newInstance(rsOut);
    rsCoded.writeByteArray(2, scopeOut.toByteArray());
    rsCoded.writeMessage(1, rs.getResource());
    rsCoded.flush();
    ByteArrayOutputStream reqOut = new ByteArrayOutputStream();
    CodedOutputStream req = CodedOutputStream.newInstance(reqOut);
    req.writeByteArray(1, rsOut.toByteArray());
    req.flush();
    List<Span> spans = accepted(protobuf.decode(reqOut.toByteArray(), 100));
    assertEquals("{\"service.name\":\"ticket-api\",\"answer\":42,\"host.name\":\"vm-1\",\"tenant.id\":\"acme\"}",
        spans.get(0).attributesJson());
    assertEquals("acme", spans.get(0).tenantId());

    String jsonReordered = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + TRACE + "\",\"spanId\":\""
        + ROOT + "\",\"name\":\"n\",\"startTimeUnixNano\":\"" + START + "\",\"attributes\":[{\"value\":{\"intValue\":\"42\"},"
        + "\"key\":\"answer\"}]}]}],\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc\"}}]}}]}";
    Span s = accepted(json.decode(jsonReordered.getBytes(StandardCharsets.UTF_8), 100)).get(0);
    assertEquals("{\"service.name\":\"svc\",\"answer\":42}", s.attributesJson());
    assertNull(s.endEpochMillis());
  }

  @Test
  void aDuplicateKeyInsideAKvlistRejectsOnlyThatSpan() {
    AnyValue dup = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(kv("a", str("1"))).addValues(kv("a", str("2")))).build();
    ExportTraceServiceRequest r = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder()
            .addSpans(span(ROOT, null, "bad").addAttributes(kv("m", dup)).addAttributes(kv("after", str("x"))))
            .addSpans(span(CHILD, ROOT, "good"))))
        .build();
    ConversionResult.Converted c = (ConversionResult.Converted) protobuf.decode(r.toByteArray(), 100);
    assertEquals(List.of(CHILD), c.spans().stream().map(Span::id).toList());
    assertTrue(c.errors().get(0).message().contains("duplicate key"), c.errors().toString());
  }

  @Test
  void invalidUtf8InAProtobufStringRefusesTheBody() {
    // proto3 strings must be UTF-8; the generated parser checks (the hand-written reader replaced bad bytes).
    byte[] body = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(ROOT, null, "#bad#")))).build().toByteArray();
    body[indexOf(body, "#bad#".getBytes(StandardCharsets.US_ASCII))] = (byte) 0xff;
    ConversionResult.Malformed m = assertInstanceOf(ConversionResult.Malformed.class, protobuf.decode(body, 100));
    assertTrue(m.message().contains("not valid UTF-8"), m.message());
  }

  /** Every field of every trace message set, with values at their edges. */
  static ExportTraceServiceRequest everyField() {
    AnyValue each = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
        .addValues(str("s")).addValues(AnyValue.newBuilder().setBoolValue(true))
        .addValues(AnyValue.newBuilder().setIntValue(Long.MIN_VALUE))
        .addValues(AnyValue.newBuilder().setDoubleValue(-0.5e-300))
        .addValues(AnyValue.newBuilder().setDoubleValue(Double.NaN))
        .addValues(AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY))
        .addValues(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {0, -1, 62, 63})))
        .addValues(AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("k", str("v")))))
        .addValues(AnyValue.getDefaultInstance())).build();
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder().addAttributes(kv("service.name", str("svc")))
                .addAttributes(kv("each", each)).setDroppedAttributesCount(3))
            .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
            .addScopeSpans(ScopeSpans.newBuilder()
                .setScope(InstrumentationScope.newBuilder().setName("io.example").setVersion("1.2")
                    .addAttributes(kv("scope.attr", each)).setDroppedAttributesCount(-1))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.31.0")
                .addSpans(span(ROOT, null, "all fields").setTraceState("vendor=x").setFlags(0x301)
                    .setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER)
                    .setEndTimeUnixNano(-1L) // 2^64 - 1: unsigned
                    .addAttributes(kv("each", each)).addAttributes(KeyValue.newBuilder().setKey("no value"))
                    .setDroppedAttributesCount(1).setDroppedEventsCount(2).setDroppedLinksCount(3)
                    .addEvents(Event.newBuilder().setName("e").setTimeUnixNano(START).addAttributes(kv("x", each))
                        .setDroppedAttributesCount(4))
                    .addLinks(Link.newBuilder().setTraceId(id(TRACE)).setSpanId(id(CHILD)).setTraceState("t=1")
                        .addAttributes(kv("l", str("link"))).setDroppedAttributesCount(5).setFlags(1))
                    .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR).setMessage("m")))
                .addSpans(span(CHILD, ROOT, "second"))))
        .build();
  }

  @Test
  void theJsonReaderReadsWhatProtobufsOwnJsonParserReads() throws Exception {
    // JsonFormat writes ids as base64; OTLP/JSON writes them as hex (its one difference from the proto3 mapping).
    ExportTraceServiceRequest request = everyField();
    for (JsonFormat.Printer printer : List.of(JsonFormat.printer(), JsonFormat.printer().preservingProtoFieldNames(),
        JsonFormat.printer().printingEnumsAsInts())) {
      String protoJson = printer.print(request);
      ExportTraceServiceRequest.Builder byJsonFormat = ExportTraceServiceRequest.newBuilder();
      JsonFormat.parser().merge(protoJson, byJsonFormat);
      assertEquals(request, byJsonFormat.build());
      assertEquals(request, OtlpJsonDecoder.read(idsAsHex(protoJson).getBytes(StandardCharsets.UTF_8), 100));
    }
    assertEquals(protobuf.decode(request.toByteArray(), 100),
        json.decode(idsAsHex(JsonFormat.printer().print(request)).getBytes(StandardCharsets.UTF_8), 100));
  }

  @Test
  void theJsonReaderTakesThePre10NamesOfScopeSpans() throws Exception {
    String old = JSON_REQUEST.replace("scopeSpans", "instrumentationLibrarySpans").replace("\"scope\"", "\"instrumentationLibrary\"");
    assertEquals(OtlpJsonDecoder.read(JSON_REQUEST.getBytes(StandardCharsets.UTF_8), 100),
        OtlpJsonDecoder.read(old.getBytes(StandardCharsets.UTF_8), 100));
  }

  @Test
  void aJsonIdThatIsNotHexRejectsOnlyItsSpan() {
    String body = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
        + jsonSpan(TRACE, ROOT, "") + ","
        + jsonSpan("not-hex-not-hex-not-hex-not-hex!", CHILD, ROOT) + ","
        + jsonSpan(TRACE, "00f067aa0ba902b", ROOT) + "," // odd length
        + jsonSpan(TRACE, "zzzzzzzzzzzzzzzz", ROOT) + "," // 16 characters, not 8 bytes
        + jsonSpan(TRACE, "0000000000000004", "xyz") + ","
        + jsonSpan(TRACE, "0000000000000005", "0000000000000000") // all zeros: a root
        + "]}]}]}";
    ConversionResult.Converted c = (ConversionResult.Converted) json.decode(body.getBytes(StandardCharsets.UTF_8), 100);
    assertEquals(List.of(ROOT, "0000000000000005"), c.spans().stream().map(Span::id).toList());
    assertNull(c.spans().get(1).parentSpanId());
    assertEquals(List.of("1:trace_id", "2:id", "3:id", "4:parent_span_id"),
        c.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
  }

  @Test
  void nestingPastTheLimitRejectsTheSpanAndPastTheParsersTheBody() throws Exception {
    // 32 levels are taken (as protobuf, 102 messages deep: past the parser's default of 100), 33 reject the span.
    for (int levels : new int[] {32, 33}) {
      ExportTraceServiceRequest r = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
          .addScopeSpans(ScopeSpans.newBuilder()
              .addSpans(span(ROOT, null, "deep").addAttributes(kv("deep", nested(levels))))
              .addSpans(span(CHILD, ROOT, "flat"))))
          .build();
      ConversionResult.Converted fromProtobuf = (ConversionResult.Converted) protobuf.decode(r.toByteArray(), 100);
      assertEquals(levels == 32 ? 0 : 1, fromProtobuf.rejected(), fromProtobuf.errors().toString());
      if (levels == 33) {
        assertEquals("0:attributes", fromProtobuf.errors().get(0).index() + ":" + fromProtobuf.errors().get(0).field());
        assertTrue(fromProtobuf.errors().get(0).message().contains("nested deeper than 32"), fromProtobuf.errors().toString());
      }
      String asJson = idsAsHex(JsonFormat.printer().print(r));
      assertEquals(fromProtobuf, json.decode(asJson.getBytes(StandardCharsets.UTF_8), 100));
    }
    ExportTraceServiceRequest tooDeep = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span(ROOT, null, "deep").addAttributes(kv("deep", nested(140))))))
        .build();
    ConversionResult.Malformed m = assertInstanceOf(ConversionResult.Malformed.class,
        protobuf.decode(tooDeep.toByteArray(), 100));
    assertTrue(m.message().contains("nested more than 400 levels"), m.message());
    String deepJson = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[{\"key\":\"a\",\"value\":"
        + "{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":".repeat(300) + "{}" + "}]}}".repeat(300) + "}]}]}]}]}";
    assertInstanceOf(ConversionResult.Malformed.class, json.decode(deepJson.getBytes(StandardCharsets.UTF_8), 100));
  }

  private static AnyValue nested(int levels) {
    AnyValue v = str("bottom");
    for (int i = 0; i < levels; i++) {
      v = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("a", v))).build();
    }
    return v;
  }

  private static String jsonSpan(String traceId, String spanId, String parent) {
    return "{\"traceId\":\"" + traceId + "\",\"spanId\":\"" + spanId + "\",\"parentSpanId\":\"" + parent
        + "\",\"name\":\"n\",\"startTimeUnixNano\":\"" + START + "\"}";
  }

  /** Proto3 JSON with the span and link ids turned from base64 into hex, as OTLP/JSON writes them. */
  static String idsAsHex(String protoJson) throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode tree = mapper.readTree(protoJson);
    hexIds(tree);
    return mapper.writeValueAsString(tree);
  }

  private static void hexIds(JsonNode node) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().matches("traceId|trace_id|spanId|span_id|parentSpanId|parent_span_id")) {
          field.setValue(object.textNode(HexFormat.of().formatHex(Base64.getDecoder().decode(field.getValue().asText()))));
        } else {
          hexIds(field.getValue());
        }
      }
    } else {
      node.forEach(OtlpDecodersTest::hexIds);
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalArgumentException("not found");
  }
}
