package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanScanner;
import dev.swarm.pipeline.schema.SpanWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns one swarm.spans record value into buffered spans, each holding a copy of its own JSON object bytes. */
public final class SpanRecordReader {
  private SpanRecordReader() {}

  /**
   * Reads a record written by another producer (no normalised-format header): every span is validated with the
   * contract's rules and buffered in the normalised form, so what the aggregator forwards is always normalised.
   *
   * @throws InvalidSpanException when the value is not a JSON array of valid spans (the whole record is refused)
   */
  public static List<BufferedSpan> readUnnormalized(byte[] value, SpanDecoder decoder) {
    List<Span> decoded = decoder.readArray(value);
    List<BufferedSpan> spans = new ArrayList<>(decoded.size());
    for (Span s : decoded) {
      spans.add(new BufferedSpan(s.id(), s.parentSpanId(), SpanWriter.toBytes(s)));
    }
    return spans;
  }

  /**
   * @param value the record value: a UTF-8 JSON array of normalised span objects
   * @return the spans in array order; nothing is returned for a record that fails part-way
   * @throws InvalidSpanException when the value is not such an array
   */
  public static List<BufferedSpan> read(byte[] value) {
    return read(value, null);
  }

  /** As {@link #read(byte[])}, cut by the record's span lengths header when it has one (null: none). */
  public static List<BufferedSpan> read(byte[] value, byte[] spanLengths) {
    List<BufferedSpan> spans = new ArrayList<>();
    // Copying each slice lets the (larger) record buffer be collected while its spans wait for their trace.
    SpanScanner.scan(value, spanLengths, (id, parentSpanId, offset, length) ->
        spans.add(new BufferedSpan(id, parentSpanId, Arrays.copyOfRange(value, offset, offset + length))));
    return spans;
  }
}
