package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpanScannerTest {

  private static final SpanDecoder DECODER = new SpanDecoder(SpanLimits.DEFAULTS);

  record Seen(String id, String parentSpanId, int offset, int length) {}

  private static List<Seen> scan(byte[] bytes) {
    List<Seen> seen = new ArrayList<>();
    SpanScanner.scan(bytes, (id, parent, offset, length) -> seen.add(new Seen(id, parent, offset, length)));
    return seen;
  }

  private static List<Span> sampleTrace() {
    String body =
        "["
            + "{\"id\":\"root\",\"trace_id\":\"t1\",\"span_name\":\"über 😀\",\"start_time\":\"2026-11-27T23:24:23.123Z\","
            + "\"attributes\":{\"id\":\"not-the-id\",\"parent_span_id\":\"nor-this\",\"nested\":[{\"id\":1}]}},"
            + "{\"id\":\"child\",\"trace_id\":\"t1\",\"parent_span_id\":\"root\",\"span_name\":\"é\","
            + "\"start_time\":\"2026-11-27T23:24:23.200Z\",\"events\":[{\"name\":\"e\",\"time\":\"2026-11-27T23:24:23Z\"}]},"
            + "{\"id\":\"grandchild\",\"trace_id\":\"t1\",\"parent_span_id\":\"child\",\"span_name\":\"g\","
            + "\"start_time\":\"2026-11-27T23:24:23.300Z\"}"
            + "]";
    return ((DecodeResult.Accepted) DECODER.decodeRequest(body.getBytes(StandardCharsets.UTF_8), 10)).spans();
  }

  @Test
  void reportsIdsParentsAndByteRangesThatReparseToTheSameSpans() {
    List<Span> spans = sampleTrace();
    byte[] record = SpanWriter.writeArray(spans);
    List<Seen> seen = scan(record);

    assertEquals(List.of("root", "child", "grandchild"), seen.stream().map(Seen::id).toList());
    assertEquals(Arrays.asList(null, "root", "child"), seen.stream().map(Seen::parentSpanId).toList());
    for (int i = 0; i < spans.size(); i++) {
      Seen s = seen.get(i);
      byte[] slice = Arrays.copyOfRange(record, s.offset(), s.offset() + s.length());
      assertEquals('{', slice[0]);
      assertEquals('}', slice[slice.length - 1]);
      byte[] asArray = ("[" + new String(slice, StandardCharsets.UTF_8) + "]").getBytes(StandardCharsets.UTF_8);
      assertEquals(List.of(spans.get(i)), DECODER.readArray(asArray));
    }
  }

  @Test
  void byteRangesHoldWithWhitespaceAndMultiByteText() {
    String a = "{ \"span_name\" : \"ä😀\", \"id\" : \"a\", \"trace_id\":\"t\", \"start_time\":\"2026-11-27T23:24:23Z\" }";
    String b = "{\"id\":\"b\",\"parent_span_id\":\"\",\"trace_id\":\"t\",\"span_name\":\"x\",\"start_time\":\"2026-11-27T23:24:23Z\"}";
    String text = " [\n  " + a + " ,\n\t" + b + "\n] ";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<Seen> seen = scan(bytes);
    assertEquals(a, new String(bytes, seen.get(0).offset(), seen.get(0).length(), StandardCharsets.UTF_8));
    assertEquals(b, new String(bytes, seen.get(1).offset(), seen.get(1).length(), StandardCharsets.UTF_8));
    assertNull(seen.get(1).parentSpanId(), "empty parent means root");
  }

  private static List<Seen> scan(byte[] bytes, byte[] spanLengths) {
    List<Seen> seen = new ArrayList<>();
    SpanScanner.scan(bytes, spanLengths, (id, parent, offset, length) -> seen.add(new Seen(id, parent, offset, length)));
    return seen;
  }

  @Test
  void theSpanLengthsHeaderCutsTheRecordExactlyAsTheScanDoes() {
    List<Span> spans = new ArrayList<>(sampleTrace());
    for (int i = 0; i < 200; i++) { // spans longer than 127 bytes: lengths of two varint bytes
      spans.add(spans.get(i % 3));
    }
    SpanWriter.Written written = SpanWriter.writeIndexed(spans);
    org.junit.jupiter.api.Assertions.assertArrayEquals(SpanWriter.writeArray(spans), written.value());
    assertEquals(scan(written.value()), scan(written.value(), written.spanLengths()));
    assertEquals(Arrays.asList(null, "root", "child"), scan(written.value(), written.spanLengths()).subList(0, 3)
        .stream().map(Seen::parentSpanId).toList());
  }

  /** Lengths that do not fit the value (a producer's mistake) are ignored: the array is scanned instead. */
  @Test
  void lengthsThatDoNotFitFallBackToTheScan() {
    SpanWriter.Written written = SpanWriter.writeIndexed(sampleTrace());
    List<Seen> expected = scan(written.value());
    byte[] shorter = written.spanLengths().clone();
    shorter[0]--;
    byte[] fewer = Arrays.copyOf(written.spanLengths(), written.spanLengths().length - 1);
    byte[] unterminated = {(byte) 0x80};
    for (byte[] lengths : List.of(shorter, fewer, unterminated, new byte[0], new byte[] {(byte) 0xff, (byte) 0xff,
        (byte) 0xff, (byte) 0xff, (byte) 0x7f})) {
      assertEquals(expected, scan(written.value(), lengths), Arrays.toString(lengths));
    }
    assertEquals(expected, scan(written.value(), null));
  }

  @Test
  void emptyArrayReportsNothing() {
    assertEquals(List.of(), scan("[]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void spanWithoutIdIsRejectedNamingTheIndex() {
    byte[] bytes = "[{\"id\":\"a\"},{\"trace_id\":\"t\"}]".getBytes(StandardCharsets.UTF_8);
    InvalidSpanException e = assertThrows(InvalidSpanException.class, () -> scan(bytes));
    assertEquals(List.of(new FieldError(1, "id", "required")), e.errors());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{}", "[1]", "[{\"id\":\"a\"}", "[{\"id\":\"a\"}] x", "not json", "[{\"id\":7}]"})
  void malformedInputIsRejected(String text) {
    assertThrows(InvalidSpanException.class, () -> scan(text.getBytes(StandardCharsets.UTF_8)));
  }
}
