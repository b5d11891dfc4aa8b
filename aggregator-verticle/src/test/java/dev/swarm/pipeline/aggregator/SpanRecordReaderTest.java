package dev.swarm.pipeline.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.SpanWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpanRecordReaderTest {

  private static Span span(String id, String parent, String name) {
    return new Span(id, "trace-1", parent, name, SpanKind.SERVER, SpanStatus.OK, 1_795_821_863_123L,
        1_795_821_863_200L, 77L, "tenant", null, null, "{\"k\":\"v\"}", "[]", 0);
  }

  @Test
  void eachSpanKeepsExactlyItsOwnObjectBytes() {
    List<Span> spans = List.of(span("r", null, "root"), span("a", "r", "héllo \"world\""), span("b", "a", "x"));
    byte[] value = SpanWriter.writeArray(spans);
    List<BufferedSpan> read = SpanRecordReader.read(value);
    assertEquals(3, read.size());
    assertEquals("r", read.get(0).id());
    assertNull(read.get(0).parentId());
    assertEquals("a", read.get(1).id());
    assertEquals("r", read.get(1).parentId());
    for (int i = 0; i < spans.size(); i++) {
      assertArrayEquals(SpanWriter.toJson(spans.get(i)).getBytes(StandardCharsets.UTF_8), read.get(i).json(),
          "span " + i);
    }
  }

  @Test
  void whitespaceAroundSpansIsNotCopied() {
    byte[] value = "[ {\"id\":\"a\"} ,\n {\"id\":\"b\",\"parent_span_id\":\"a\"} ]".getBytes(StandardCharsets.UTF_8);
    List<BufferedSpan> read = SpanRecordReader.read(value);
    assertEquals("{\"id\":\"a\"}", new String(read.get(0).json(), StandardCharsets.UTF_8));
    assertEquals("{\"id\":\"b\",\"parent_span_id\":\"a\"}", new String(read.get(1).json(), StandardCharsets.UTF_8));
  }

  @Test
  void malformedRecordIsRejected() {
    assertThrows(InvalidSpanException.class,
        () -> SpanRecordReader.read("[{\"id\":\"a\"},".getBytes(StandardCharsets.UTF_8)));
    assertThrows(InvalidSpanException.class,
        () -> SpanRecordReader.read("{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8)));
    assertThrows(InvalidSpanException.class,
        () -> SpanRecordReader.read("[{\"name\":\"no id\"}]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void emptyArrayHasNoSpans() {
    assertEquals(0, SpanRecordReader.read("[]".getBytes(StandardCharsets.UTF_8)).size());
  }

  @Test
  void foreignRecordsAreValidatedAndBufferedNormalised() {
    // Another producer's record: whitespace, its own field order, an empty parent, no normalised-format header.
    String foreign = "[ {\"span_name\": \"root\", \"trace_id\": \"trace-1\", \"id\": \"r\", \"parent_span_id\": \"\","
        + " \"start_time\": \"2026-11-28T10:00:00Z\", \"attributes\": { \"k\" : \"v\" } } ]";
    SpanDecoder decoder = new SpanDecoder(SpanLimits.DEFAULTS);
    List<BufferedSpan> read = SpanRecordReader.readUnnormalized(foreign.getBytes(StandardCharsets.UTF_8), decoder);
    assertEquals(1, read.size());
    assertNull(read.get(0).parentId());
    Span normalised = decoder.readArray(foreign.getBytes(StandardCharsets.UTF_8)).get(0);
    assertArrayEquals(SpanWriter.toJson(normalised).getBytes(StandardCharsets.UTF_8), read.get(0).json());

    String invalid = "[{\"id\":\"r\",\"trace_id\":\"trace-1\",\"span_name\":\"x\",\"start_time\":\"yesterday\"}]";
    InvalidSpanException e = assertThrows(InvalidSpanException.class,
        () -> SpanRecordReader.readUnnormalized(invalid.getBytes(StandardCharsets.UTF_8), decoder));
    assertEquals("start_time", e.errors().get(0).field());
  }
}
