package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The swarm.traces record format: what {@link TraceRecord#write} writes, {@link TraceRecord.Reader} reads back. */
class TraceRecordTest {

  private static final long T0 = Timestamps.parseIso("2026-11-27T23:24:23.123Z");

  private final TraceRecord.Reader reader = new TraceRecord.Reader(new SpanDecoder(SpanLimits.DEFAULTS));

  /** A span starting {@code offsetMs} after T0, lasting 10 ms, tenant/ticket/agent set. */
  private static Span span(String traceId, String id, String parentId, String name, long offsetMs) {
    return new Span(id, traceId, parentId, name, SpanKind.INTERNAL, SpanStatus.OK, T0 + offsetMs,
        T0 + offsetMs + 10, 10L, "tenant-1", "TCK-1", "agent-1", "{\"k\":\"" + id + "\"}", "[]", 0);
  }

  private static final List<Span> SPANS = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 3));

  private static byte[] record(String head, List<Span> spans, String tail) {
    String json = "{" + head + "\"spans\":" + new String(SpanWriter.writeArray(spans), StandardCharsets.UTF_8) + tail + "}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void whatIsWrittenReadsBackTheSameWithAndWithoutTheHeader() {
    List<Span> spans = List.of(span("t1", "r", null, "agent.run \"quoted\" ü😀", 0), span("t1", "a", "r", "x", 3),
        span("t1", "o", "gone", "y", 5));
    byte[] value = TraceRecord.write("t1", TraceVerdict.INCOMPLETE, 3, 1, 1, 0, 2, T0, T0 + 5000,
        spans.stream().map(SpanWriter::toBytes).toList());
    TraceRecord expected = new TraceRecord("t1", TraceVerdict.INCOMPLETE, 3, 1, 1, 0, 2, T0, T0 + 5000, spans);
    assertEquals(expected, reader.read(value, true));
    assertEquals(expected, reader.read(value, false));
    String text = new String(value, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("{\"trace_id\":\"t1\",\"verdict\":\"incomplete\",\"complete\":false,\"span_count\":3,"
        + "\"root_count\":1,\"orphan_count\":1,\"cycle_count\":0,\"duplicate_count\":2,"
        + "\"first_seen\":\"2026-11-27T23:24:23.123Z\",\"emitted_at\":\"2026-11-27T23:24:28.123Z\",\"spans\":["), text);
    assertTrue(text.endsWith(new String(SpanWriter.toBytes(spans.get(2)), StandardCharsets.UTF_8) + "]}"), text);
  }

  @Test
  void aTraceWithoutSpansAndAnOddTraceIdRoundTrip() {
    String odd = "q\"uo\\te\n\u0001é";
    byte[] value = TraceRecord.write(odd, TraceVerdict.COMPLETE, 0, 0, 0, 0, 0, T0, T0, List.of());
    TraceRecord read = reader.read(value);
    assertEquals(odd, read.traceId());
    assertTrue(read.complete());
    assertEquals(List.of(), read.spans());
  }

  @Test
  void readsTheDocumentedForm() {
    TraceRecord m = read(record("\"trace_id\":\"t1\",\"verdict\":\"complete\",\"complete\":true,"
        + "\"span_count\":2,\"root_count\":1,\"orphan_count\":0,\"cycle_count\":0,\"duplicate_count\":3,"
        + "\"first_seen\":\"2026-11-27T23:24:23.123Z\",\"emitted_at\":\"2026-11-27T23:24:28.123Z\",", SPANS, ""));
    assertEquals("t1", m.traceId());
    assertEquals(TraceVerdict.COMPLETE, m.verdict());
    assertTrue(m.complete());
    assertEquals(2, m.spanCount());
    assertEquals(1, m.rootCount());
    assertEquals(3, m.duplicateCount());
    assertEquals(T0, m.firstSeenMillis());
    assertEquals(T0 + 5000, m.emittedAtMillis());
    assertEquals(SPANS, m.spans());
  }

  @Test
  void ignoresUnknownFieldsAnywhereAtTheTopLevel() {
    TraceRecord m = read(record("\"schema\":{\"v\":[1,2,{\"x\":null}]},\"trace_id\":\"t1\","
        + "\"verdict\":\"late\",\"orphan_count\":1,", SPANS.subList(1, 2), ",\"future_field\":[true]"));
    assertEquals(TraceVerdict.LATE, m.verdict());
    assertEquals(1, m.orphanCount());
    assertEquals(1, m.spanCount()); // defaults to the spans carried
    assertNull(m.firstSeenMillis());
  }

  @Test
  void rejectsWhatIsNotATraceRecord() {
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
        new Span("a", "t1", "r", "llm.generate", SpanKind.CLIENT,
            SpanStatus.ERROR, T0 + 1, T0 + 9, 8L, "tenant-1", "TCK-1",
            "agent-7", "{\"k\":\"v\\n\",\"n\":[1,2.5e3,{\"deep\":null}],\"b\":true}",
            "[{\"name\":\"retry\",\"time\":\"2026-11-27T23:24:23.124Z\",\"attributes\":{}}]", 1),
        new Span("b", "t1", "r", "x", SpanKind.INTERNAL,
            SpanStatus.UNSET, T0 + 2, null, null, null, null, null, "{}", "[]", 0));
    byte[] value = record("\"trace_id\":\"t1\",\"verdict\":\"incomplete\",\"span_count\":3,", spans, "");
    TraceRecord fast = reader.read(value, true);
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
  private TraceRecord read(byte[] value) {
    TraceRecord full = reader.read(value);
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
