package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpanDecoderTest {

  private static final SpanDecoder DECODER = new SpanDecoder(SpanLimits.DEFAULTS);

  static String span(String id) {
    return span(id, "");
  }

  /** A valid span with extra fields appended (each starting with a comma). */
  static String span(String id, String extra) {
    return "{\"id\":\"" + id + "\",\"trace_id\":\"t1\",\"span_name\":\"op\","
        + "\"start_time\":\"2026-11-27T23:24:23.123Z\"" + extra + "}";
  }

  static final String BAD = "{\"id\":\"x\",\"trace_id\":\"t1\",\"start_time\":\"2026-11-27T23:24:23.123Z\"}";

  private static DecodeResult decode(String body) {
    return decode(body, 1000);
  }

  private static DecodeResult decode(String body, int maxSpans) {
    return DECODER.decodeRequest(body.getBytes(StandardCharsets.UTF_8), maxSpans);
  }

  private static List<Span> accepted(String body) {
    DecodeResult result = decode(body);
    return assertInstanceOf(DecodeResult.Accepted.class, result, result::toString).spans();
  }

  private static DecodeResult.Invalid invalid(String body) {
    DecodeResult result = decode(body);
    return assertInstanceOf(DecodeResult.Invalid.class, result, result::toString);
  }

  private static String array(int count, String element) {
    return IntStream.range(0, count).mapToObj(i -> element).collect(Collectors.joining(",", "[", "]"));
  }

  // ---- normalisation ----

  @Test
  void tenantIdFollowsTheTenantRuleNotTheIdRule() {
    for (String ok : List.of("acme", "a.b_c-D9", "...", "t".repeat(150))) {
      assertEquals(ok, accepted(span("a", ",\"tenant_id\":\"" + ok + "\"")).get(0).tenantId());
    }
    // ':' is fine in the other ids (ticket "T:1" below) but not in a tenant; nor '.', '..' or a 151st byte.
    for (String bad : List.of("org:acme", ".", "..", "t".repeat(151), "a b")) {
      DecodeResult.Invalid r = invalid(span("a", ",\"ticket_id\":\"T:1\",\"tenant_id\":\"" + bad + "\""));
      assertEquals(List.of("tenant_id"), r.details().stream().map(FieldError::field).toList(), bad);
    }
  }

  @Test
  void fillsDefaults() {
    Span s = accepted(span("s1")).get(0);
    assertEquals("s1", s.id());
    assertEquals("t1", s.traceId());
    assertNull(s.parentSpanId());
    assertTrue(s.isRoot());
    assertEquals(SpanKind.INTERNAL, s.spanKind());
    assertEquals(SpanStatus.UNSET, s.status());
    assertEquals(Timestamps.parseIso("2026-11-27T23:24:23.123Z"), s.startEpochMillis());
    assertNull(s.endEpochMillis());
    assertNull(s.durationMs());
    assertNull(s.tenantId());
    assertNull(s.ticketId());
    assertNull(s.agentId());
    assertEquals("{}", s.attributesJson());
    assertEquals("[]", s.eventsJson());
    assertEquals(0, s.eventCount());
  }

  @Test
  void normalisesTimeZonesAndTruncatesFractions() {
    Span s =
        accepted(
                "{\"id\":\"s\",\"trace_id\":\"t\",\"span_name\":\"n\","
                    + "\"start_time\":\"2026-11-28T00:24:23.1239+01:00\",\"end_time\":\"2026-11-27T18:24:24.5-05:00\"}")
            .get(0);
    assertEquals(Timestamps.parseIso("2026-11-27T23:24:23.123Z"), s.startEpochMillis());
    assertEquals(Timestamps.parseIso("2026-11-27T23:24:24.500Z"), s.endEpochMillis());
    assertEquals(1377L, s.durationMs(), "computed from the truncated times");
  }

  @Test
  void keepsGivenDurationOverEndTime() {
    Span s = accepted(span("s", ",\"end_time\":\"2026-11-27T23:24:25.123Z\",\"duration_ms\":5")).get(0);
    assertEquals(5L, s.durationMs());
    assertEquals(s.startEpochMillis() + 2000, s.endEpochMillis());
  }

  @Test
  void keepsDurationWithoutEndTime() {
    Span s = accepted(span("s", ",\"duration_ms\":9000000000")).get(0);
    assertEquals(9_000_000_000L, s.durationMs());
    assertNull(s.endEpochMillis());
  }

  @Test
  void attributesAndEventsBecomeCompactNormalisedJson() {
    Span s =
        accepted(
                span(
                    "s",
                    ", \"attributes\" : { \"a\" : [ 1 , 2.50 , \"x\" ] , \"b\" : { } } ,"
                        + " \"events\" : [ { \"time\" : \"2026-11-28T00:00:00.5+01:00\", \"name\" : \"n\" } ]"))
            .get(0);
    assertEquals("{\"a\":[1,2.50,\"x\"],\"b\":{}}", s.attributesJson());
    assertEquals(
        "[{\"name\":\"n\",\"time\":\"2026-11-27T23:00:00.500Z\",\"attributes\":{}}]", s.eventsJson());
    assertEquals(1, s.eventCount());
  }

  @Test
  void emptyParentSpanIdIsARoot() {
    assertTrue(accepted(span("s", ",\"parent_span_id\":\"\"")).get(0).isRoot());
    assertEquals("p", accepted(span("s", ",\"parent_span_id\":\"p\"")).get(0).parentSpanId());
  }

  // ---- body shapes ----

  @Test
  void acceptsASingleSpanObject() {
    assertEquals(List.of("a"), ids(accepted(span("a"))));
  }

  @Test
  void acceptsAnArrayOfSpans() {
    assertEquals(List.of("a", "b", "c"), ids(accepted("[" + span("a") + "," + span("b") + "," + span("c") + "]")));
  }

  @Test
  void acceptsTheSpansWrapper() {
    assertEquals(List.of("a", "b"), ids(accepted("{\"spans\":[" + span("a") + "," + span("b") + "]}")));
  }

  @Test
  void acceptsAnEmptyArray() {
    assertEquals(List.of(), accepted("[]"));
    assertEquals(List.of(), accepted("{\"spans\":[]}"));
  }

  @Test
  void rejectsOtherKeysInTheWrapper() {
    DecodeResult.Malformed m =
        assertInstanceOf(DecodeResult.Malformed.class, decode("{\"spans\":[" + span("a") + "],\"extra\":1}"));
    assertTrue(m.message().contains("extra"), m.message());
  }

  @Test
  void rejectsAWrapperWhoseSpansIsNotAnArray() {
    assertInstanceOf(DecodeResult.Malformed.class, decode("{\"spans\":" + span("a") + "}"));
    assertInstanceOf(DecodeResult.Malformed.class, decode("{\"spans\":null}"));
  }

  @Test
  void treatsAnObjectWithSpansNotFirstAsASpanWithAnUnknownField() {
    DecodeResult.Invalid inv = invalid("{\"id\":\"a\",\"spans\":[]}");
    assertTrue(inv.details().stream().anyMatch(e -> e.field().equals("spans")), inv.details()::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"42", "\"span\"", "true", "null"})
  void rejectsScalarBodies(String body) {
    assertInstanceOf(DecodeResult.Malformed.class, decode(body));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "hello",
        "{\"id\":",
        "[{\"id\":\"a\"}",
        "[1,]",
        "[] x",
        "[] []",
        "{} {}",
        "{\"id\":'a'}",
        "[{\"id\":\"a\",\"trace_id\":\"t\",\"span_name\":\"n\",\"start_time\":\"2026-11-27T23:24:23Z\"}]garbage",
        "\u0000"
      })
  void malformedForNonJsonTruncatedOrTrailingGarbage(String body) {
    assertInstanceOf(DecodeResult.Malformed.class, decode(body));
  }

  @Test
  void malformedNamesTheLocation() {
    DecodeResult.Malformed m = assertInstanceOf(DecodeResult.Malformed.class, decode("[\n  {\"id\": nope}]"));
    assertTrue(m.message().contains("line 2"), m.message());
  }

  @Test
  void malformedForInvalidUtf8() {
    byte[] body = span("a", ",\"attributes\":{\"k\":\"X\"}").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < body.length; i++) {
      if (body[i] == 'X') {
        body[i] = (byte) 0xC3; // a lone lead byte
      }
    }
    assertInstanceOf(DecodeResult.Malformed.class, DECODER.decodeRequest(body, 10));
  }

  @Test
  void arrayElementThatIsNotAnObjectIsInvalidAtItsIndex() {
    DecodeResult.Invalid inv = invalid("[" + span("a") + ",7]");
    assertEquals(List.of(new FieldError(1, "", "span must be a JSON object, not number")), inv.details());
  }

  // ---- all-or-nothing and error reporting ----

  @Test
  void oneInvalidSpanRejectsTheWholeRequest() {
    DecodeResult.Invalid inv = invalid("[" + span("a") + "," + BAD + "," + span("c") + "]");
    assertEquals(1, inv.invalidSpans());
    assertEquals(3, inv.totalSpans());
    assertEquals(List.of(new FieldError(1, "span_name", "required")), inv.details());
    assertTrue(inv.message().startsWith("1 of 3 spans invalid"), inv.message());
  }

  @Test
  void reportsEveryProblemOfASpan() {
    DecodeResult.Invalid inv =
        invalid("{\"id\":\"a b\",\"traceId\":\"t\",\"span_kind\":\"x\",\"start_time\":\"2026-11-27T23:24:23\"}");
    assertEquals(
        List.of("id", "traceId", "span_kind", "start_time", "trace_id", "span_name"),
        inv.details().stream().map(FieldError::field).toList());
    assertEquals(1, inv.invalidSpans());
  }

  @Test
  void capsDetailsAtOneHundredButCountsAllInvalidSpans() {
    DecodeResult.Invalid inv = invalid(array(150, BAD));
    assertEquals(SpanDecoder.MAX_ERROR_DETAILS, inv.details().size());
    assertEquals(150, inv.invalidSpans());
    assertEquals(99, inv.details().get(99).index());
    assertTrue(inv.message().contains("150 problems"), inv.message());
  }

  @Test
  void recoversAfterDuplicateKeysInsideAttributes() {
    String dup = span("a", ",\"attributes\":{\"k\":{\"x\":1,\"x\":[1,{\"deep\":true}],\"y\":2},\"z\":3}");
    String next = span("b", ",\"attributes\":{\"k\":1},\"events\":[{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23Z\",\"attributes\":{\"q\":1}}]");
    DecodeResult.Invalid inv = invalid("[" + dup + "," + next + "]");
    assertEquals(List.of(new FieldError(0, "attributes", "duplicate key 'x'")), inv.details());
  }

  @Test
  void recoversAfterOversizedAttributes() {
    SpanDecoder small = new SpanDecoder(new SpanLimits(256, 40, 128));
    String big = span("a", ",\"attributes\":{\"list\":[" + "\"xxxxxxxxxx\",".repeat(2000) + "{\"end\":[[]]}]},\"status\":\"ok\"");
    String next = span("b", ",\"attributes\":{\"k\":\"fits\"}");
    DecodeResult result = small.decodeRequest(("[" + big + "," + next + "]").getBytes(StandardCharsets.UTF_8), 10);
    DecodeResult.Invalid inv = assertInstanceOf(DecodeResult.Invalid.class, result);
    assertEquals(List.of(new FieldError(0, "attributes", "must be at most 40 bytes as compact JSON")), inv.details());

    DecodeResult ok = small.decodeRequest(("[" + next + "," + next + "]").getBytes(StandardCharsets.UTF_8), 10);
    assertEquals(2, assertInstanceOf(DecodeResult.Accepted.class, ok).spans().size());
  }

  @Test
  void appliesConfiguredLimits() {
    SpanDecoder strict = new SpanDecoder(new SpanLimits(3, 2, 1));
    String body =
        span("a", ",\"span_name\":\"long\"").replace("\"span_name\":\"op\",", "")
            .replace("}", ",\"attributes\":{\"k\":1},\"events\":["
                + "{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23Z\"},{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23Z\"}]}");
    DecodeResult.Invalid inv =
        assertInstanceOf(DecodeResult.Invalid.class, strict.decodeRequest(body.getBytes(StandardCharsets.UTF_8), 1));
    assertEquals(List.of("span_name", "attributes", "events"), inv.details().stream().map(FieldError::field).toList());
    assertEquals(
        1,
        assertInstanceOf(
                DecodeResult.Accepted.class,
                strict.decodeRequest(span("a", ",\"span_name\":\"abc\"").replace("\"span_name\":\"op\",", "")
                    .getBytes(StandardCharsets.UTF_8), 1))
            .spans()
            .size());
  }

  @Test
  void rejectsUnpairedSurrogatesInNames() {
    DecodeResult.Invalid inv = invalid(span("a").replace("\"op\"", "\"bad \\ud800 name\""));
    assertEquals("span_name", inv.details().get(0).field());
    assertTrue(inv.details().get(0).message().contains("surrogate"));
  }

  @Test
  void keepsUnpairedSurrogatesInAttributesAsEscapes() {
    // Free-form attribute text is not judged; the escape keeps the stored JSON valid and lossless.
    Span s = accepted(span("a", ",\"attributes\":{\"k\":\"\\udc00\"}")).get(0);
    assertEquals("{\"k\":\"\\uDC00\"}", s.attributesJson());
  }

  @Test
  void rejectsDurationBeyondLong() {
    DecodeResult.Invalid inv = invalid(span("a", ",\"duration_ms\":99999999999999999999"));
    assertEquals(List.of(new FieldError(0, "duration_ms", "is too large")), inv.details());
  }

  // ---- TooManySpans ----

  @Test
  void tooManySpansInAnArray() {
    assertEquals(new DecodeResult.TooManySpans(2), decode(array(3, span("a")), 2));
    assertEquals(2, assertInstanceOf(DecodeResult.Accepted.class, decode(array(2, span("a")), 2)).spans().size());
  }

  @Test
  void tooManySpansInTheWrapperEvenIfEarlierSpansAreInvalid() {
    assertEquals(new DecodeResult.TooManySpans(2), decode("{\"spans\":" + array(3, BAD) + "}", 2));
  }

  @Test
  void tooManySpansIsReportedBeforeReadingTheRest() {
    // The body is cut off after the third span: it is never read, so it is not Malformed.
    assertEquals(new DecodeResult.TooManySpans(2), decode("[" + span("a") + "," + span("b") + "," + span("c"), 2));
  }

  @Test
  void singleSpanWithMaxZero() {
    assertEquals(new DecodeResult.TooManySpans(0), decode(span("a"), 0));
  }

  // ---- readArray ----

  @Test
  void readArrayFromBytes() {
    List<Span> spans = DECODER.readArray(("[" + span("a") + "," + span("b") + "]").getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("a", "b"), ids(spans));
  }

  @Test
  void readArrayThrowsWithAllErrors() {
    InvalidSpanException e =
        assertThrows(
            InvalidSpanException.class,
            () -> DECODER.readArray(("[" + BAD + "," + span("ok") + "," + BAD + "]").getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of(0, 2), e.errors().stream().map(FieldError::index).toList());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{}", "[", "[] 1", "nope", "[{\"id\":}]"})
  void readArrayThrowsOnMalformedInput(String body) {
    InvalidSpanException e =
        assertThrows(InvalidSpanException.class, () -> DECODER.readArray(body.getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of(), e.errors());
  }

  @Test
  void excessiveNestingIsMalformedNotACrash() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    String body = span("a", ",\"attributes\":{\"k\":" + deep + "}");
    assertInstanceOf(DecodeResult.Malformed.class, decode(body));
    InvalidSpanException e =
        assertThrows(InvalidSpanException.class, () -> DECODER.readArray(("[" + body + "]").getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains("nesting"), e.getMessage());
  }

  @Test
  void readArrayFromAParserInsideALargerDocument() throws Exception {
    String trace = "{\"trace_id\":\"t1\",\"spans\":[" + span("a") + "," + span("b") + "],\"span_count\":2}";
    try (JsonParser p = new JsonFactory().createParser(trace)) {
      assertEquals(JsonToken.START_OBJECT, p.nextToken());
      List<Span> spans = null;
      int spanCount = -1;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (field.equals("spans")) {
          spans = DECODER.readArray(p);
          assertEquals(JsonToken.END_ARRAY, p.currentToken());
        } else if (field.equals("span_count")) {
          spanCount = p.getIntValue();
        } else {
          p.skipChildren();
        }
      }
      assertEquals(List.of("a", "b"), ids(spans));
      assertEquals(2, spanCount, "parser continues after the array");
    }
  }

  @Test
  void readArrayRequiresTheParserOnAnArray() throws Exception {
    try (JsonParser p = new JsonFactory().createParser(span("a"))) {
      p.nextToken();
      assertThrows(InvalidSpanException.class, () -> DECODER.readArray(p));
    }
  }

  // ---- concurrency ----

  @Test
  void oneDecoderServesManyThreads() throws Exception {
    String body = array(50, span("a", ",\"attributes\":{\"k\":[1,2,3]},\"events\":[{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23Z\"}]"));
    List<Span> expected = accepted(body);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Boolean>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        tasks.add(
            () -> {
              for (int i = 0; i < 200; i++) {
                DecodeResult r = DECODER.decodeRequest(body.getBytes(StandardCharsets.UTF_8), 100);
                if (!(r instanceof DecodeResult.Accepted a) || !a.spans().equals(expected)) {
                  return false;
                }
              }
              return true;
            });
      }
      for (Future<Boolean> f : pool.invokeAll(tasks)) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static List<String> ids(List<Span> spans) {
    return spans.stream().map(Span::id).toList();
  }
}
