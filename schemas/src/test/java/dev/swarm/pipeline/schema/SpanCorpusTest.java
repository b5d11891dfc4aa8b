package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Holds the Java validator and span.schema.json to the same corpus ({@code corpus/spans.json} plus boundary
 * cases too bulky for the file), so neither can drift from the contract or from each other.
 */
class SpanCorpusTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SpanDecoder DECODER = new SpanDecoder(SpanLimits.DEFAULTS);
  private static Validator schema;

  /**
   * @param json the span as JSON text
   * @param field expected FieldError.field for invalid cases
   * @param message expected substring of that error's message, or null
   * @param schemaExpressible for invalid cases: whether the JSON Schema must reject it too
   * @param normalised expected SpanWriter output, or null
   */
  record Case(
      String name,
      String json,
      boolean valid,
      String field,
      String message,
      boolean schemaExpressible,
      String normalised) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void loadSchema() {
    schema = TestResources.spanSchemaValidator();
  }

  static List<Case> corpus() throws Exception {
    JsonNode doc = MAPPER.readTree(TestResources.text("/corpus/spans.json"));
    List<Case> cases = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      String json = c.has("raw") ? c.get("raw").asText() : MAPPER.writeValueAsString(c.get("span"));
      JsonNode normalised = c.get("normalised");
      cases.add(
          new Case(
              c.get("name").asText(),
              json,
              c.get("valid").asBoolean(),
              c.path("field").asText(null),
              c.path("message").asText(null),
              c.path("schema").asBoolean(true),
              normalised == null
                  ? null
                  : normalised.isTextual() ? normalised.asText() : MAPPER.writeValueAsString(normalised)));
    }
    return cases;
  }

  /** Boundary cases built in code: long names, many events, big attributes. */
  static List<Case> generated() {
    SpanLimits d = SpanLimits.DEFAULTS;
    String base = "\"id\":\"s1\",\"trace_id\":\"t1\",\"start_time\":\"2026-11-27T23:24:23.123Z\"";
    String event = "{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23.123Z\"}";
    // {"k":"xxx…"} is 8 bytes plus the x's.
    String attributesAtLimit = "{\"k\":\"" + "x".repeat(d.maxAttributesBytes() - 8) + "\"}";
    String attributesOverLimit = "{\"k\":\"" + "x".repeat(d.maxAttributesBytes() - 7) + "\"}";
    String nonAsciiAtLimit = "{\"k\":\"" + "é".repeat((d.maxAttributesBytes() - 8) / 2) + "\"}";
    String nonAsciiOverLimit = "{\"k\":\"" + "é".repeat((d.maxAttributesBytes() - 8) / 2 + 1) + "\"}";
    return List.of(
        valid("span_name at the limit", "{" + base + ",\"span_name\":\"" + "n".repeat(d.maxSpanNameChars()) + "\"}"),
        invalid(
            "span_name over the limit",
            "{" + base + ",\"span_name\":\"" + "n".repeat(d.maxSpanNameChars() + 1) + "\"}",
            "span_name",
            "at most 256 characters",
            true),
        valid(
            "span_name limit counts code points, not UTF-16 units",
            "{" + base + ",\"span_name\":\"" + "😀".repeat(d.maxSpanNameChars()) + "\"}"),
        valid(
            "events at the limit",
            "{" + base + ",\"span_name\":\"op\",\"events\":[" + repeat(event, d.maxEventsPerSpan()) + "]}"),
        invalid(
            "events over the limit",
            "{" + base + ",\"span_name\":\"op\",\"events\":[" + repeat(event, d.maxEventsPerSpan() + 1) + "]}",
            "events",
            "at most 128 events",
            true),
        invalid(
            "event name over the limit",
            "{" + base + ",\"span_name\":\"op\",\"events\":[{\"name\":\""
                + "n".repeat(SpanContract.MAX_EVENT_NAME_CHARS + 1)
                + "\",\"time\":\"2026-11-27T23:24:23.123Z\"}]}",
            "events[0].name",
            "at most 256",
            true),
        valid("attributes at the byte limit", "{" + base + ",\"span_name\":\"op\",\"attributes\":" + attributesAtLimit + "}"),
        invalid(
            "attributes over the byte limit",
            "{" + base + ",\"span_name\":\"op\",\"attributes\":" + attributesOverLimit + "}",
            "attributes",
            "at most 65536 bytes",
            false),
        valid(
            "attribute limit counts UTF-8 bytes: 2-byte characters at the limit",
            "{" + base + ",\"span_name\":\"op\",\"attributes\":" + nonAsciiAtLimit + "}"),
        invalid(
            "attribute limit counts UTF-8 bytes: 2-byte characters over the limit",
            "{" + base + ",\"span_name\":\"op\",\"attributes\":" + nonAsciiOverLimit + "}",
            "attributes",
            "bytes",
            false),
        invalid(
            "event attributes over the byte limit",
            "{" + base + ",\"span_name\":\"op\",\"events\":[{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23.123Z\","
                + "\"attributes\":" + attributesOverLimit + "}]}",
            "events[0].attributes",
            "bytes",
            false));
  }

  private static Case valid(String name, String json) {
    return new Case(name, json, true, null, null, true, null);
  }

  private static Case invalid(String name, String json, String field, String message, boolean schemaExpressible) {
    return new Case(name, json, false, field, message, schemaExpressible, null);
  }

  private static String repeat(String element, int times) {
    return Stream.generate(() -> element).limit(times).collect(Collectors.joining(","));
  }

  static Stream<Case> cases() throws Exception {
    return Stream.concat(corpus().stream(), generated().stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void javaValidatorAgreesWithCorpus(Case c) {
    DecodeResult result = DECODER.decodeRequest(c.json().getBytes(StandardCharsets.UTF_8), 1);
    if (c.valid()) {
      DecodeResult.Accepted accepted = assertInstanceOf(DecodeResult.Accepted.class, result, () -> result.toString());
      assertEquals(1, accepted.spans().size());
      if (c.normalised() != null) {
        assertEquals(c.normalised(), SpanWriter.toJson(accepted.spans().get(0)));
      }
    } else {
      DecodeResult.Invalid invalid = assertInstanceOf(DecodeResult.Invalid.class, result, () -> result.toString());
      assertEquals(1, invalid.invalidSpans());
      List<FieldError> matching =
          invalid.details().stream().filter(e -> e.field().equals(c.field())).toList();
      assertFalse(matching.isEmpty(), () -> "expected an error on " + c.field() + ", got " + invalid.details());
      if (c.message() != null) {
        assertTrue(
            matching.stream().anyMatch(e -> e.message().contains(c.message())),
            () -> "expected a message containing '" + c.message() + "', got " + matching);
      }
    }
  }

  /**
   * Every valid span, once normalised, reads back identically through the byte-level readers the aggregator and
   * storage use for the pipeline's own records.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void normalisedFormReadsBackWithoutJackson(Case c) {
    if (!c.valid()) {
      return;
    }
    List<Span> decoded = ((DecodeResult.Accepted) DECODER.decodeRequest(c.json().getBytes(StandardCharsets.UTF_8), 1))
        .spans();
    byte[] record = SpanWriter.writeArray(decoded);
    assertEquals(decoded, new NormalizedSpanReader(SpanLimits.DEFAULTS).readArray(new JsonCursor(record)));
    List<String> ids = new ArrayList<>();
    SpanScanner.scan(record, (id, parent, offset, length) -> ids.add(id + "<" + parent));
    assertEquals(List.of(decoded.get(0).id() + "<" + decoded.get(0).parentSpanId()), ids);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void jsonSchemaAgreesWithCorpus(Case c) {
    OutputUnit out = schema.validate(new JsonObject(c.json()));
    boolean schemaShouldAccept = c.valid() || !c.schemaExpressible();
    assertEquals(
        schemaShouldAccept,
        out.getValid(),
        () -> (schemaShouldAccept ? "schema rejected: " : "schema accepted a span it should reject: ") + out.toJson());
  }

  @Test
  void corpusIsBigEnoughAndCoversBothKindsOfRule() throws Exception {
    List<Case> corpus = corpus();
    assertTrue(corpus.size() >= 40, "corpus has " + corpus.size() + " cases");
    assertTrue(corpus.stream().anyMatch(Case::valid));
    assertTrue(corpus.stream().anyMatch(c -> !c.valid() && c.schemaExpressible()));
    assertTrue(corpus.stream().anyMatch(c -> !c.valid() && !c.schemaExpressible()));
    // Every top-level field appears in some case, valid or not.
    for (String field : SpanContract.FIELDS) {
      assertTrue(corpus.stream().anyMatch(c -> c.json().contains("\"" + field + "\"")), field);
    }
  }

  @Test
  void batchSchemaAcceptsTheThreeBodyShapesOnly() {
    Validator batch = TestResources.batchSchemaValidator();
    JsonObject span =
        new JsonObject("{\"id\":\"s1\",\"trace_id\":\"t1\",\"span_name\":\"op\",\"start_time\":\"2026-11-27T23:24:23Z\"}");
    JsonObject badSpan = span.copy().put("span_kind", "nope");
    assertTrue(batch.validate(span).getValid());
    assertTrue(batch.validate(new JsonArray().add(span).add(span)).getValid());
    assertTrue(batch.validate(new JsonObject().put("spans", new JsonArray().add(span))).getValid());
    assertFalse(batch.validate(badSpan).getValid());
    assertFalse(batch.validate(new JsonArray().add(span).add(badSpan)).getValid());
    assertFalse(batch.validate(new JsonObject().put("spans", new JsonArray().add(span)).put("extra", 1)).getValid());
    assertFalse(batch.validate(new JsonObject().put("spans", span)).getValid());
    assertFalse(batch.validate("span").getValid());
  }
}
