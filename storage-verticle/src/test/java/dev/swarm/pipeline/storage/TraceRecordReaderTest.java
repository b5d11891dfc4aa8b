package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanWriter;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceRecordReaderTest {

  private final TraceRecordReader reader = new TraceRecordReader(new SpanDecoder(SpanLimits.DEFAULTS));

  private static final List<Span> SPANS = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 3));

  private static byte[] record(String head, List<Span> spans, String tail) {
    String json = "{" + head + "\"spans\":" + new String(SpanWriter.writeArray(spans), StandardCharsets.UTF_8) + tail + "}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheDocumentedForm() {
    TraceMessage m = read(record("\"trace_id\":\"t1\",\"verdict\":\"complete\",\"complete\":true,"
        + "\"span_count\":2,\"root_count\":1,\"orphan_count\":0,\"cycle_count\":0,\"duplicate_count\":3,"
        + "\"first_seen\":\"2026-11-27T23:24:23.123Z\",\"emitted_at\":\"2026-11-27T23:24:28.123Z\",", SPANS, ""));
    assertEquals("t1", m.traceId());
    assertEquals(TraceVerdict.COMPLETE, m.verdict());
    assertTrue(m.complete());
    assertEquals(2, m.spanCount());
    assertEquals(1, m.rootCount());
    assertEquals(3, m.duplicateCount());
    assertEquals(TestSpans.T0, m.firstSeenMillis());
    assertEquals(TestSpans.T0 + 5000, m.emittedAtMillis());
    assertEquals(SPANS, m.spans());
  }

  @Test
  void ignoresUnknownFieldsAnywhereAtTheTopLevel() {
    TraceMessage m = read(record("\"schema\":{\"v\":[1,2,{\"x\":null}]},\"trace_id\":\"t1\","
        + "\"verdict\":\"late\",\"orphan_count\":1,", SPANS.subList(1, 2), ",\"future_field\":[true]"));
    assertEquals(TraceVerdict.LATE, m.verdict());
    assertEquals(1, m.orphanCount());
    assertEquals(1, m.spanCount()); // defaults to the spans carried
    assertNull(m.firstSeenMillis());
  }

  @Test
  void rejectsWhatIsNotATraceMessage() {
    assertRejected("not json".getBytes(StandardCharsets.UTF_8), "malformed");
    assertRejected("[1]".getBytes(StandardCharsets.UTF_8), "not a JSON object");
    assertRejected("{\"trace_id\":\"t1\",\"verdict\":\"complete\",\"spans\":[]} {}".getBytes(StandardCharsets.UTF_8),
        "single");
    assertRejected(record("\"verdict\":\"complete\",", SPANS, ""), "trace_id");
    assertRejected(record("\"trace_id\":\"t1\",", SPANS, ""), "verdict is missing");
    assertRejected(record("\"trace_id\":\"t1\",\"verdict\":\"done\",", SPANS, ""), "unknown verdict");
    assertRejected("{\"trace_id\":\"t1\",\"verdict\":\"complete\"}".getBytes(StandardCharsets.UTF_8), "spans");
    assertRejected(record("\"trace_id\":\"t1\",\"verdict\":\"complete\",\"span_count\":-1,", SPANS, ""), "span_count");
    assertRejected(record("\"trace_id\":\"t1\",\"verdict\":\"complete\",\"first_seen\":\"yesterday\",", SPANS, ""),
        "first_seen");
    assertRejected(record("\"trace_id\":\"t2\",\"verdict\":\"complete\",", SPANS, ""), "belongs to trace t1");
    assertRejected("{\"trace_id\":\"t1\",\"verdict\":\"complete\",\"spans\":[{\"id\":\"x\"}]}"
        .getBytes(StandardCharsets.UTF_8), "invalid span");
    assertRejected(null, "no value");
  }

  @Test
  void normalisedRecordsReadTheSameWithoutJacksonAsWithIt() {
    List<Span> spans = List.of(
        span("t1", "r", null, "agent.run \"quoted\" ü😀", 0),
        new Span("a", "t1", "r", "llm.generate", dev.swarm.pipeline.schema.SpanKind.CLIENT,
            dev.swarm.pipeline.schema.SpanStatus.ERROR, TestSpans.T0 + 1, TestSpans.T0 + 9, 8L, "tenant-1", "TCK-1",
            "agent-7", "{\"k\":\"v\\n\",\"n\":[1,2.5e3,{\"deep\":null}],\"b\":true}",
            "[{\"name\":\"retry\",\"time\":\"2026-11-27T23:24:23.124Z\",\"attributes\":{}}]", 1),
        new Span("b", "t1", "r", "x", dev.swarm.pipeline.schema.SpanKind.INTERNAL,
            dev.swarm.pipeline.schema.SpanStatus.UNSET, TestSpans.T0 + 2, null, null, null, null, null, "{}", "[]", 0));
    byte[] value = record("\"trace_id\":\"t1\",\"verdict\":\"incomplete\",\"span_count\":3,", spans, "");
    TraceMessage fast = reader.read(value, true);
    assertEquals(reader.read(value), fast);
    assertEquals(spans, fast.spans());
    assertEquals(1, fast.spans().get(1).eventCount());
  }

  @Test
  void aHeaderDoesNotMakeAnInvalidSpanAcceptable() {
    // The fast reading re-applies the contract's scalar rules; what it refuses the full reading describes.
    String empty = new String(record("\"trace_id\":\"t1\",\"verdict\":\"complete\",", List.of(), ""),
        StandardCharsets.UTF_8);
    String withBadSpan = empty.replace("\"spans\":[]",
        "\"spans\":[{\"id\":\"has space\",\"trace_id\":\"t1\",\"span_name\":\"x\",\"span_kind\":\"internal\","
            + "\"status\":\"unset\",\"start_time\":\"2026-11-27T23:24:23.123Z\",\"attributes\":{},\"events\":[]}]");
    InvalidTraceRecordException e = assertThrows(InvalidTraceRecordException.class,
        () -> reader.read(withBadSpan.getBytes(StandardCharsets.UTF_8), true));
    assertTrue(e.getMessage().contains("invalid span"), e.getMessage());
  }

  /** Reads with and without the normalised-format fast path, which must agree. */
  private TraceMessage read(byte[] value) {
    TraceMessage full = reader.read(value);
    assertEquals(full, reader.read(value, true));
    return full;
  }

  private void assertRejected(byte[] value, String reason) {
    InvalidTraceRecordException e = assertThrows(InvalidTraceRecordException.class, () -> reader.read(value));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    InvalidTraceRecordException fast = assertThrows(InvalidTraceRecordException.class, () -> reader.read(value, true));
    assertEquals(e.getMessage(), fast.getMessage());
  }
}
