package dev.swarm.pipeline.aggregator;

import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.SpanScanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Turns one swarm.spans record value into buffered spans, each holding a copy of its own JSON object bytes. */
public final class SpanRecordReader {
  private SpanRecordReader() {}

  /**
   * @param value the record value: a UTF-8 JSON array of normalised span objects
   * @return the spans in array order; nothing is returned for a record that fails part-way
   * @throws InvalidSpanException when the value is not such an array
   */
  public static List<BufferedSpan> read(byte[] value) {
    List<BufferedSpan> spans = new ArrayList<>();
    // Copying each slice lets the (larger) record buffer be collected while its spans wait for their trace.
    SpanScanner.scan(value, (id, parentSpanId, offset, length) ->
        spans.add(new BufferedSpan(id, parentSpanId, Arrays.copyOfRange(value, offset, offset + length))));
    return spans;
  }
}
