package dev.swarm.pipeline.ingest.zipkin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.CodedOutputStream;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.SpanWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZipkinDecodersTest {
  static final SpanLimits LIMITS = SpanLimits.DEFAULTS;
  private final ZipkinJsonDecoder json = new ZipkinJsonDecoder(LIMITS);
  private final ZipkinProto3Decoder proto3 = new ZipkinProto3Decoder(LIMITS);

  /** A client span and the server span that joined it (same id, shared), from a 64-bit trace id. */
  static final String JSON = """
      [{"traceId":"A3CE929D0E0E4736","id":"00f067aa0ba902b7","kind":"CLIENT","name":"get /tickets",
        "timestamp":1764285863123456,"duration":1500999,
        "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":8080},
        "remoteEndpoint":{"serviceName":"ticket-api"},
        "annotations":[{"timestamp":1764285863124000,"value":"ws"}],
        "tags":{"http.path":"/tickets","error":"timeout","tenant_id":"acme"},"debug":true},
       {"traceId":"a3ce929d0e0e4736","parentId":"0000000000000001","id":"00f067aa0ba902b7","kind":"SERVER",
        "name":"get /tickets","timestamp":1764285863200000,"duration":1000,"shared":true,
        "localEndpoint":{"serviceName":"ticket-api"}},
       {"traceId":"a3ce929d0e0e4736","parentId":"00f067aa0ba902b7","id":"b7ad6b7169203331",
        "name":"db.query","timestamp":1764285863300000}]
      """;

  private static List<Span> accepted(ConversionResult r) {
    ConversionResult.Converted c = assertInstanceOf(ConversionResult.Converted.class, r);
    assertEquals(0, c.rejected(), c.errors().toString());
    return c.spans();
  }

  @Test
  void jsonMapsZipkinV2ToTheContract() {
    List<Span> spans = accepted(json.decode(JSON.getBytes(StandardCharsets.UTF_8), 100));
    Span client = spans.get(0);
    assertEquals("0000000000000000a3ce929d0e0e4736", client.traceId()); // 64-bit id padded, lower case
    assertEquals("00f067aa0ba902b7", client.id());
    assertNull(client.parentSpanId());
    assertEquals(SpanKind.CLIENT, client.spanKind());
    assertEquals(SpanStatus.ERROR, client.status());
    assertEquals(1_764_285_863_123L, client.startEpochMillis());
    assertEquals(1_764_285_864_624L, client.endEpochMillis()); // (ts + duration) truncated to ms
    assertEquals(1501L, client.durationMs());
    assertEquals("acme", client.tenantId());
    assertEquals("{\"service.name\":\"frontend\",\"network.local.address\":\"10.0.0.1\",\"network.local.port\":8080,"
        + "\"peer.service\":\"ticket-api\",\"http.path\":\"/tickets\",\"error\":\"timeout\",\"tenant_id\":\"acme\"}",
        client.attributesJson());
    assertEquals("[{\"name\":\"ws\",\"time\":\"2025-11-27T23:24:23.124Z\",\"attributes\":{}}]", client.eventsJson());

    Span server = spans.get(1);
    assertEquals("00f067aa0ba902b7:server", server.id()); // distinct from the client span it joined
    assertEquals("00f067aa0ba902b7", server.parentSpanId()); // a child of that client span
    assertEquals(SpanKind.SERVER, server.spanKind());
    assertEquals(SpanStatus.UNSET, server.status());

    Span db = spans.get(2);
    assertEquals(SpanKind.INTERNAL, db.spanKind());
    assertNull(db.endEpochMillis());
    assertEquals(spans, new SpanDecoder(LIMITS).readArray(SpanWriter.writeArray(spans)));
  }

  @Test
  void proto3GivesTheSameSpansAsJson() throws IOException {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(list);
    out.writeByteArray(1, span(8, "a3ce929d0e0e4736", null, "00f067aa0ba902b7", 1, "get /tickets",
        1764285863123456L, 1500999L, endpoint("frontend", new byte[] {10, 0, 0, 1}, 8080), endpoint("ticket-api", null, 0),
        1764285863124000L, "ws", List.of("http.path", "/tickets", "error", "timeout", "tenant_id", "acme"), false));
    out.writeByteArray(1, span(8, "a3ce929d0e0e4736", "0000000000000001", "00f067aa0ba902b7", 2, "get /tickets",
        1764285863200000L, 1000L, endpoint("ticket-api", null, 0), null, 0, null, List.of(), true));
    out.writeByteArray(1, span(8, "a3ce929d0e0e4736", "00f067aa0ba902b7", "b7ad6b7169203331", 0, "db.query",
        1764285863300000L, -1, null, null, 0, null, List.of(), false));
    out.flush();
    assertEquals(accepted(json.decode(JSON.getBytes(StandardCharsets.UTF_8), 100)),
        accepted(proto3.decode(list.toByteArray(), 100)));
  }

  @Test
  void aDurationThatDoesNotFitIsRefusedNamingEndTime() throws IOException {
    byte[] base = span(8, "a3ce929d0e0e4736", null, "00f067aa0ba902b7", 0, "x", 1764285863123456L, -1, null, null, 0,
        null, List.of(), false);
    ByteArrayOutputStream withDuration = new ByteArrayOutputStream();
    withDuration.write(base);
    CodedOutputStream d = CodedOutputStream.newInstance(withDuration);
    d.writeUInt64(7, -1L); // 2^64 - 1 on the wire
    d.flush();
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(list);
    out.writeByteArray(1, withDuration.toByteArray());
    out.flush();
    ConversionResult.Converted c = (ConversionResult.Converted) proto3.decode(list.toByteArray(), 100);
    assertEquals(1, c.rejected());
    assertEquals(List.of("0:end_time"), c.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
    // JSON: timestamp + duration past 2^63 microseconds.
    String overflow = "[{\"traceId\":\"a3ce929d0e0e4736\",\"id\":\"00f067aa0ba902b7\",\"name\":\"x\","
        + "\"timestamp\":1764285863123456,\"duration\":9223372036854775000}]";
    ConversionResult.Converted j = (ConversionResult.Converted) json.decode(overflow.getBytes(StandardCharsets.UTF_8), 100);
    assertEquals(List.of("0:end_time"), j.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
  }

  @Test
  void anInvalidSpanIsReportedWithItsIndex() {
    String body = "[{\"traceId\":\"xyz\",\"id\":\"1\",\"name\":\"a\",\"timestamp\":1},"
        + "{\"traceId\":\"1\",\"id\":\"2\",\"name\":\"b\"},{\"traceId\":\"1\",\"id\":\"3\",\"name\":\"c\",\"timestamp\":5,\"kind\":\"BOGUS\"}]";
    ConversionResult.Converted c = (ConversionResult.Converted) json.decode(body.getBytes(StandardCharsets.UTF_8), 100);
    assertEquals(3, c.rejected());
    assertEquals(List.of("0:trace_id", "1:start_time", "2:span_kind"),
        c.errors().stream().map(e -> e.index() + ":" + e.field()).toList());
  }

  @Test
  void malformedBodies() {
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("{\"traceId\":\"1\"}".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("[{\"traceId\":1}]".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, json.decode("[{".getBytes(), 100));
    assertInstanceOf(ConversionResult.Malformed.class, proto3.decode(new byte[] {10, 50, 1}, 100));
    assertEquals(new ConversionResult.TooManySpans(2), json.decode(JSON.getBytes(StandardCharsets.UTF_8), 2));
  }

  private static byte[] endpoint(String service, byte[] ipv4, int port) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, service);
    if (ipv4 != null) {
      out.writeByteArray(2, ipv4);
    }
    if (port != 0) {
      out.writeInt32(4, port);
    }
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] span(int traceBytes, String trace, String parent, String id, int kind, String name, long ts,
      long duration, byte[] local, byte[] remote, long annotationTs, String annotation, List<String> tags,
      boolean shared) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    HexFormat hex = HexFormat.of();
    out.writeByteArray(1, hex.parseHex(trace));
    if (parent != null) {
      out.writeByteArray(2, hex.parseHex(parent));
    }
    out.writeByteArray(3, hex.parseHex(id));
    if (kind != 0) {
      out.writeEnum(4, kind);
    }
    out.writeString(5, name);
    out.writeFixed64(6, ts);
    if (duration >= 0) {
      out.writeUInt64(7, duration);
    }
    if (local != null) {
      out.writeByteArray(8, local);
    }
    if (remote != null) {
      out.writeByteArray(9, remote);
    }
    if (annotation != null) {
      ByteArrayOutputStream a = new ByteArrayOutputStream();
      CodedOutputStream ao = CodedOutputStream.newInstance(a);
      ao.writeFixed64(1, annotationTs);
      ao.writeString(2, annotation);
      ao.flush();
      out.writeByteArray(10, a.toByteArray());
    }
    for (int i = 0; i < tags.size(); i += 2) {
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      CodedOutputStream eo = CodedOutputStream.newInstance(e);
      eo.writeString(1, tags.get(i));
      eo.writeString(2, tags.get(i + 1));
      eo.flush();
      out.writeByteArray(11, e.toByteArray());
    }
    if (shared) {
      out.writeBool(13, true);
    }
    out.flush();
    return bytes.toByteArray();
  }
}
