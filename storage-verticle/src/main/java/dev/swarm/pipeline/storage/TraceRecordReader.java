package dev.swarm.pipeline.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.swarm.pipeline.schema.InvalidSpanException;
import dev.swarm.pipeline.schema.JsonCursor;
import dev.swarm.pipeline.schema.NormalizedSpanReader;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Parses a swarm.traces record value into a {@link TraceMessage} in one streaming pass; the spans go through
 * {@link SpanDecoder#readArray(JsonParser)} with the contract's validation. Unknown top-level fields are
 * skipped, so producers may add fields. Thread-safe.
 */
public final class TraceRecordReader {

  private static final JsonFactory FACTORY = new JsonFactory();

  private static final byte[] TRACE_ID = "trace_id".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VERDICT = "verdict".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SPAN_COUNT = "span_count".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ROOT_COUNT = "root_count".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ORPHAN_COUNT = "orphan_count".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CYCLE_COUNT = "cycle_count".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DUPLICATE_COUNT = "duplicate_count".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FIRST_SEEN = "first_seen".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMITTED_AT = "emitted_at".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SPANS = "spans".getBytes(StandardCharsets.US_ASCII);

  private final SpanDecoder spanDecoder;
  private final NormalizedSpanReader normalizedReader;

  public TraceRecordReader(SpanDecoder spanDecoder) {
    this.spanDecoder = Objects.requireNonNull(spanDecoder, "spanDecoder");
    this.normalizedReader = new NormalizedSpanReader(spanDecoder.limits());
  }

  /**
   * Reads one record value; {@code normalized} says the record carries the pipeline's normalised-format header
   * ({@link dev.swarm.pipeline.schema.SpanContract#FORMAT_HEADER}), so its spans are read straight from the bytes.
   * Whatever that reading does not expect goes through {@link #read(byte[])}, which validates in full and
   * describes any problem; the result is the same either way.
   */
  public TraceMessage read(byte[] value, boolean normalized) {
    if (normalized && value != null) {
      try {
        TraceMessage m = readNormalized(value);
        if (m != null) {
          return m;
        }
      } catch (JsonCursor.Malformed | IllegalArgumentException e) {
        // fall through to the full reading, which explains the problem (or accepts what this one did not)
      }
    }
    return read(value);
  }

  /** The fast reading; null when the value needs the full one. */
  private TraceMessage readNormalized(byte[] value) {
    JsonCursor c = new JsonCursor(value);
    c.expect('{');
    String traceId = null;
    TraceVerdict verdict = null;
    int spanCount = -1;
    int rootCount = 0;
    int orphanCount = 0;
    int cycleCount = 0;
    int duplicateCount = 0;
    Long firstSeen = null;
    Long emittedAt = null;
    List<Span> spans = null;
    if (!c.consume('}')) {
      do {
        c.key();
        if (c.keyIs(TRACE_ID)) {
          traceId = c.string();
        } else if (c.keyIs(VERDICT)) {
          verdict = TraceVerdict.fromWire(c.string());
        } else if (c.keyIs(SPAN_COUNT)) {
          spanCount = count(c);
        } else if (c.keyIs(ROOT_COUNT)) {
          rootCount = count(c);
        } else if (c.keyIs(ORPHAN_COUNT)) {
          orphanCount = count(c);
        } else if (c.keyIs(CYCLE_COUNT)) {
          cycleCount = count(c);
        } else if (c.keyIs(DUPLICATE_COUNT)) {
          duplicateCount = count(c);
        } else if (c.keyIs(FIRST_SEEN)) {
          firstSeen = c.consumeNull() ? null : Timestamps.parseIso(c.string());
        } else if (c.keyIs(EMITTED_AT)) {
          emittedAt = c.consumeNull() ? null : Timestamps.parseIso(c.string());
        } else if (c.keyIs(SPANS)) {
          spans = normalizedReader.readArray(c);
        } else {
          c.skipValue(); // forward compatibility, as in the full reading
        }
      } while (c.next('}'));
    }
    if (!c.atEnd() || traceId == null || traceId.isEmpty() || verdict == null || spans == null) {
      return null;
    }
    for (Span s : spans) {
      if (!s.traceId().equals(traceId)) {
        return null;
      }
    }
    return new TraceMessage(traceId, verdict, spanCount < 0 ? spans.size() : spanCount, rootCount, orphanCount,
        cycleCount, duplicateCount, firstSeen, emittedAt, spans);
  }

  private static int count(JsonCursor c) {
    long v = c.longValue();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new JsonCursor.Malformed("count out of range", c.position());
    }
    return (int) v;
  }

  /**
   * Reads one record value.
   *
   * @throws InvalidTraceRecordException when the value is not a JSON object of the swarm.traces form, a
   *     required field ({@code trace_id}, {@code verdict}, {@code spans}) is missing, a span is invalid, or a
   *     span belongs to another trace
   */
  public TraceMessage read(byte[] value) {
    if (value == null) {
      throw new InvalidTraceRecordException("record has no value");
    }
    try (JsonParser p = FACTORY.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidTraceRecordException("record value is not a JSON object");
      }
      String traceId = null;
      TraceVerdict verdict = null;
      int spanCount = -1;
      int rootCount = 0;
      int orphanCount = 0;
      int cycleCount = 0;
      int duplicateCount = 0;
      Long firstSeen = null;
      Long emittedAt = null;
      List<Span> spans = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "trace_id" -> traceId = text(p, field);
          case "verdict" -> {
            String v = text(p, field);
            verdict = TraceVerdict.fromWire(v);
            if (verdict == null) {
              throw new InvalidTraceRecordException("unknown verdict: " + v);
            }
          }
          case "span_count" -> spanCount = count(p, field);
          case "root_count" -> rootCount = count(p, field);
          case "orphan_count" -> orphanCount = count(p, field);
          case "cycle_count" -> cycleCount = count(p, field);
          case "duplicate_count" -> duplicateCount = count(p, field);
          case "first_seen" -> firstSeen = time(p, field);
          case "emitted_at" -> emittedAt = time(p, field);
          case "spans" -> {
            if (t != JsonToken.START_ARRAY) {
              throw new InvalidTraceRecordException("spans must be an array");
            }
            spans = spanDecoder.readArray(p);
          }
          default -> p.skipChildren(); // forward compatibility: unknown fields (and "complete", derived) ignored
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new InvalidTraceRecordException("record value is not a single JSON object");
      }
      if (traceId == null || traceId.isEmpty()) {
        throw new InvalidTraceRecordException("trace_id is missing");
      }
      if (verdict == null) {
        throw new InvalidTraceRecordException("verdict is missing");
      }
      if (spans == null) {
        throw new InvalidTraceRecordException("spans is missing");
      }
      for (Span s : spans) {
        if (!s.traceId().equals(traceId)) {
          throw new InvalidTraceRecordException(
              "span " + s.id() + " belongs to trace " + s.traceId() + ", not " + traceId);
        }
      }
      return new TraceMessage(traceId, verdict, spanCount < 0 ? spans.size() : spanCount, rootCount, orphanCount,
          cycleCount, duplicateCount, firstSeen, emittedAt, spans);
    } catch (InvalidSpanException e) {
      throw new InvalidTraceRecordException("invalid span: " + e.getMessage(), e);
    } catch (JsonProcessingException e) {
      throw new InvalidTraceRecordException("malformed JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen reading a byte array
    }
  }

  private static String text(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      throw new InvalidTraceRecordException(field + " must be a string");
    }
    return p.getText();
  }

  private static int count(JsonParser p, String field) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
        || p.getIntValue() < 0) {
      throw new InvalidTraceRecordException(field + " must be a non-negative integer");
    }
    return p.getIntValue();
  }

  private static Long time(JsonParser p, String field) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    String text = text(p, field);
    try {
      return Timestamps.parseIso(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidTraceRecordException(field + " is not an ISO-8601 time: " + e.getMessage());
    }
  }
}
