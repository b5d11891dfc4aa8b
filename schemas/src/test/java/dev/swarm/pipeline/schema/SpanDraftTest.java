package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules across a span's fields, owned by {@link SpanDraft}, and the three readers that go through it. */
class SpanDraftTest {

  private static SpanDraft complete() {
    SpanDraft d = new SpanDraft();
    d.id = "s1";
    d.traceId = "t1";
    d.spanName = "work";
    d.start(1_000);
    return d;
  }

  private static List<String> problems(SpanDraft d, int reported) {
    List<String> out = new ArrayList<>();
    Span span = d.build(reported, (field, message) -> out.add(field + ": " + message));
    if (!out.isEmpty()) {
      assertNull(span);
    }
    return out;
  }

  @Test
  void everyRequiredFieldWithoutAValueIsNamedOnceInContractOrder() {
    assertEquals(List.of("id: required", "trace_id: required", "span_name: required", "start_time: required"),
        problems(new SpanDraft(), 0));
    assertEquals(SpanContract.REQUIRED_FIELDS,
        problems(new SpanDraft(), 0).stream().map(p -> p.substring(0, p.indexOf(':'))).toList());
  }

  @Test
  void aFieldTheReaderAlreadyNamedIsNotAlsoRequired() {
    SpanDraft d = complete();
    d.id = null; // say the reader found "id": 7 and said so
    List<String> out = problems(d, SpanField.ID.bit);
    assertEquals(List.of(), out);
    assertNull(d.build(SpanField.ID.bit, SpanDraft.IGNORE), "no span without its id");
  }

  @Test
  void theDurationIsGivenOrDerivedFromTheTimes() {
    SpanDraft d = complete();
    assertNull(d.build(0, SpanDraft.IGNORE).durationMs(), "no end, no duration");
    d.end(1_250);
    assertEquals(250L, d.build(0, SpanDraft.IGNORE).durationMs());
    d.duration(7);
    assertEquals(7L, d.build(0, SpanDraft.IGNORE).durationMs(), "a given duration is kept, unchecked");
    d.reset();
    d.id = "s1";
    d.traceId = "t1";
    d.spanName = "work";
    d.start(1_000);
    d.end(999);
    assertNull(d.durationMs(), "an end before the start is end_time's error, not a negative duration");
  }

  @Test
  void resetGivesTheDefaults() {
    SpanDraft d = complete();
    d.kind = SpanKind.SERVER;
    d.attributesJson = "{\"a\":1}";
    d.reset();
    d.id = "s1";
    d.traceId = "t1";
    d.spanName = "work";
    d.start(0);
    Span span = d.build(0, SpanDraft.IGNORE);
    assertNotNull(span);
    assertEquals(SpanKind.INTERNAL, span.spanKind());
    assertEquals(SpanStatus.UNSET, span.status());
    assertEquals("{}", span.attributesJson());
    assertEquals("[]", span.eventsJson());
  }

  @Test
  void theDecoderAndTheBuilderNameAMissingFieldAlike() {
    DecodeResult r = new SpanDecoder(SpanLimits.DEFAULTS).decodeRequest(
        "{\"id\":\"s1\",\"trace_id\":null}".getBytes(StandardCharsets.UTF_8), 10);
    Object[] decoded = assertInstanceOf(DecodeResult.Invalid.class, r).details().stream()
        .map(e -> e.field() + ": " + e.message()).toArray();
    assertEquals(List.of("trace_id: required", "span_name: required", "start_time: required"), List.of(decoded));

    SpanBuilder b = new SpanBuilder(SpanLimits.DEFAULTS);
    b.begin(List.of());
    b.spanId("s1");
    List<FieldError> errors = new ArrayList<>();
    assertNull(b.build(4, errors, 100));
    assertEquals(List.of(new FieldError(4, "trace_id", "required"), new FieldError(4, "span_name", "required"),
        new FieldError(4, "start_time", "required")), errors);
  }

  @Test
  void theNormalizedReaderRefusesASpanWithoutARequiredField() {
    byte[] json = "[{\"id\":\"s1\",\"trace_id\":\"t1\",\"span_kind\":\"internal\",\"status\":\"unset\",\"start_time\":\"2026-11-27T23:24:23.123Z\",\"attributes\":{},\"events\":[]}]"
        .getBytes(StandardCharsets.UTF_8);
    assertThrows(JsonCursor.Malformed.class,
        () -> new NormalizedSpanReader(SpanLimits.DEFAULTS).readArray(new JsonCursor(json)));
  }
}
