package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanWriterTest {

  private static final SpanDecoder DECODER = new SpanDecoder(SpanLimits.DEFAULTS);

  private static Span span(String id, String parent) {
    return new Span(
        id, "t1", parent, "op", SpanKind.INTERNAL, SpanStatus.UNSET, 0L, null, null, null, null, null, "{}", "[]", 0);
  }

  @Test
  void writesFieldsInContractOrderAndOmitsAbsentOnes() {
    assertEquals(
        "{\"id\":\"a\",\"trace_id\":\"t1\",\"span_name\":\"op\",\"span_kind\":\"internal\",\"status\":\"unset\","
            + "\"start_time\":\"1970-01-01T00:00:00.000Z\",\"attributes\":{},\"events\":[]}",
        SpanWriter.toJson(span("a", null)));

    Span full =
        new Span(
            "b", "t1", "a", "GET /x", SpanKind.CLIENT, SpanStatus.ERROR, 1_000L, 3_500L, 2_500L, "ten", "tick",
            "agent", "{\"k\":[1]}", "[{\"name\":\"e\",\"time\":\"1970-01-01T00:00:01.000Z\",\"attributes\":{}}]", 1);
    assertEquals(
        "{\"id\":\"b\",\"trace_id\":\"t1\",\"parent_span_id\":\"a\",\"span_name\":\"GET /x\",\"span_kind\":\"client\","
            + "\"status\":\"error\",\"start_time\":\"1970-01-01T00:00:01.000Z\",\"end_time\":\"1970-01-01T00:00:03.500Z\","
            + "\"duration_ms\":2500,\"tenant_id\":\"ten\",\"ticket_id\":\"tick\",\"agent_id\":\"agent\","
            + "\"attributes\":{\"k\":[1]},"
            + "\"events\":[{\"name\":\"e\",\"time\":\"1970-01-01T00:00:01.000Z\",\"attributes\":{}}]}",
        SpanWriter.toJson(full));
  }

  @Test
  void writesIntoAnEnclosingDocument() throws Exception {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("trace_id", "t1");
      gen.writeArrayFieldStart("spans");
      SpanWriter.write(span("a", null), gen);
      SpanWriter.write(span("b", "a"), gen);
      gen.writeEndArray();
      gen.writeEndObject();
    }
    String json = out.toString();
    int start = json.indexOf('[');
    List<Span> back = DECODER.readArray(json.substring(start, json.lastIndexOf(']') + 1).getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(span("a", null), span("b", "a")), back);
  }

  /** Every valid corpus span survives decode → writeArray → readArray unchanged, as one record value. */
  @Test
  void roundTripsTheValidCorpusThroughReadArray() throws Exception {
    List<Span> decoded = new ArrayList<>();
    for (SpanCorpusTest.Case c : SpanCorpusTest.corpus()) {
      if (c.valid()) {
        DecodeResult r = DECODER.decodeRequest(c.json().getBytes(StandardCharsets.UTF_8), 1);
        decoded.addAll(assertInstanceOf(DecodeResult.Accepted.class, r).spans());
      }
    }
    byte[] record = SpanWriter.writeArray(decoded);
    assertEquals(decoded, DECODER.readArray(record));
    // Normalised form is a fixed point: writing what was read gives the same bytes.
    assertEquals(new String(record, StandardCharsets.UTF_8),
        new String(SpanWriter.writeArray(DECODER.readArray(record)), StandardCharsets.UTF_8));
  }

  @Test
  void writesAnEmptyArray() {
    assertEquals("[]", new String(SpanWriter.writeArray(List.of()), StandardCharsets.UTF_8));
  }

  @Test
  void theArrayWriterMatchesTheJacksonGeneratorByteForByte() throws Exception {
    List<Span> spans = new ArrayList<>();
    spans.add(span("a", null));
    for (String name : List.of("plain", "quote \" backslash \\ slash /", "tab\tnew\nline\r\u0001\u001f\u007f",
        "ünïcødé", "emoji 😀 and CJK 漢字", "\u2028\u2029", "")) {
      spans.add(new Span("id-" + spans.size(), "t1", "a", name.isEmpty() ? "x" : name, SpanKind.SERVER, SpanStatus.OK,
          1_795_821_863_123L, 1_795_821_863_999L, 876L, name.isEmpty() ? null : "tenant " + name, "TCK-1", null,
          "{\"k\":\"" + name.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\",\"n\":1.5e3}",
          "[]", 0));
    }
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    try (JsonGenerator gen = SpanJson.FACTORY.createGenerator(expected)) {
      gen.writeStartArray();
      for (Span s : spans) {
        SpanWriter.write(s, gen);
      }
      gen.writeEndArray();
    }
    assertEquals(expected.toString(StandardCharsets.UTF_8),
        new String(SpanWriter.writeArray(spans), StandardCharsets.UTF_8));
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected.toByteArray(), SpanWriter.writeArray(spans));
  }
}
