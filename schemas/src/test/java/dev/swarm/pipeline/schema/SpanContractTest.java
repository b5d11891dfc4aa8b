package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpanContractTest {

  @ParameterizedTest
  @CsvSource({
    "traceId, trace_id",
    "TraceID, trace_id",
    "TRACE-ID, trace_id",
    "spanName, span_name",
    "parentSpanId, parent_span_id",
    "startTime, start_time",
    "durationMs, duration_ms",
    "trace_di, trace_id",
    "atributes, attributes",
    "span_id, id",
    "parent_id, parent_span_id",
    "name, span_name",
    "kind, span_kind",
    "timestamp, start_time",
    "tags, attributes",
  })
  void suggestsTheFieldProbablyMeant(String unknown, String expected) {
    assertEquals(expected, SpanContract.suggestSpanField(unknown));
  }

  @ParameterizedTest
  @ValueSource(strings = {"foo", "x", "zzzzzzzzzz", "http.method", ""})
  void suggestsNothingForUnrelatedNames(String unknown) {
    assertNull(SpanContract.suggestSpanField(unknown));
  }

  @ParameterizedTest
  @CsvSource({"timestamp, time", "Name, name", "attrs, attributes", "tme, time"})
  void suggestsEventFields(String unknown, String expected) {
    assertEquals(expected, SpanContract.suggestEventField(unknown));
  }
}
