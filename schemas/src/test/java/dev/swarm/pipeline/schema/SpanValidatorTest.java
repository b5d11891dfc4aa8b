package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanValidatorTest {
  private final SpanValidator validator = new SpanValidator(new SpanLimits(10, 40, 2));

  private static Span span(String id, String name, long start, Long end, String attributes, int events) {
    return new Span(id, "t1", null, name, SpanKind.INTERNAL, SpanStatus.UNSET, start, end,
        end == null ? null : end - start, null, null, null, attributes, "[]", events);
  }

  private List<FieldError> errors(Span s) {
    List<FieldError> out = new ArrayList<>();
    validator.validate(s, 7, out);
    return out;
  }

  @Test
  void aValidSpanHasNoErrors() {
    assertEquals(List.of(), errors(span("a", "name", 1000, 2000L, "{\"k\":1}", 2)));
  }

  @Test
  void everyBrokenRuleIsNamedWithTheSpanIndex() {
    List<FieldError> e = errors(span("bad id", "a name that is too long", 2000, 1000L, "{\"k\":\"" + "x".repeat(40) + "\"}", 3));
    assertEquals(List.of("id", "span_name", "end_time", "duration_ms", "attributes", "events"), e.stream().map(FieldError::field).toList());
    assertTrue(e.stream().allMatch(f -> f.index() == 7));
    assertEquals("must not be before start_time", e.get(2).message());
  }

  @Test
  void timesOutsideTheSupportedYearsAreRejected() {
    List<FieldError> e = errors(span("a", "n", Timestamps.MAX_EPOCH_MILLIS + 1, null, "{}", 0));
    assertEquals("start_time", e.get(0).field());
    assertNull(SpanValidator.timeProblem(Timestamps.MAX_EPOCH_MILLIS));
  }

  @Test
  void helpersAgreeWithTheDecoder() {
    assertNull(SpanValidator.idProblem("abc:server"));
    assertEquals("must not be empty", SpanValidator.idProblem(""));
    assertEquals("must be at most 64 characters", SpanValidator.idProblem("a".repeat(65)));
    assertEquals("contains an unpaired UTF-16 surrogate", SpanValidator.nameProblem("a\ud800", 10));
    assertNull(SpanValidator.nameProblem("😀".repeat(10), 10)); // code points, not chars
    assertEquals("must be at most 10 characters", SpanValidator.nameProblem("x".repeat(11), 10));
  }

  @Test
  void attributeBytesAreCountedAsUtf8() {
    for (String s : List.of("abc", "é", "€", "😀", "a😀é€")) {
      assertEquals(s.getBytes(StandardCharsets.UTF_8).length, SpanValidator.utf8Length(s), s);
    }
  }
}
