package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * One {@code swarm.traces} record value: an assembled trace as the aggregator writes it ({@link #write}) and storage
 * reads it back ({@link Reader}), side by side so that the format is in one place (schemas/README.md, "Topic
 * formats"):
 *
 * <pre>{"trace_id":"…","verdict":"…","complete":true|false,"span_count":N,"root_count":N,"orphan_count":N,
 * "cycle_count":N,"duplicate_count":N,"first_seen":"&lt;iso&gt;","emitted_at":"&lt;iso&gt;","spans":[…]}</pre>
 *
 * <p>For verdict {@link TraceVerdict#LATE} the counts describe only the spans in this record.
 *
 * @param spanCount as written; the number of spans carried when the record has no {@code span_count}
 * @param firstSeenMillis null when the record did not carry {@code first_seen}
 * @param emittedAtMillis null when the record did not carry {@code emitted_at}
 */
public record TraceRecord(
    String traceId,
    TraceVerdict verdict,
    int spanCount,
    int rootCount,
    int orphanCount,
    int cycleCount,
    int duplicateCount,
    Long firstSeenMillis,
    Long emittedAtMillis,
    List<Span> spans) {

  public TraceRecord {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(verdict, "verdict");
    spans = List.copyOf(spans);
  }

  /** True only for verdict complete. */
  public boolean complete() {
    return verdict == TraceVerdict.COMPLETE;
  }

  /** The record's fields, in written order. */
  private enum Key {
    TRACE_ID("trace_id"),
    VERDICT("verdict"),
    COMPLETE("complete"),
    SPAN_COUNT("span_count"),
    ROOT_COUNT("root_count"),
    ORPHAN_COUNT("orphan_count"),
    CYCLE_COUNT("cycle_count"),
    DUPLICATE_COUNT("duplicate_count"),
    FIRST_SEEN("first_seen"),
    EMITTED_AT("emitted_at"),
    SPANS("spans");

    static final Key[] ALL = values();

    final String name;
    final byte[] bytes;

    Key(String name) {
      this.name = name;
      this.bytes = name.getBytes(StandardCharsets.US_ASCII);
    }

    /** The key the cursor has just read, or null for one this format does not have. */
    static Key of(JsonCursor c) {
      for (Key k : ALL) {
        if (c.keyIs(k.bytes)) {
          return k;
        }
      }
      return null;
    }
  }

  private static final byte[] SPANS_OPEN = (",\"" + Key.SPANS.name + "\":[").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLOSE = "]}".getBytes(StandardCharsets.US_ASCII);

  /**
   * The record value of an assembled trace. {@code spans} are normalised span objects ({@link SpanWriter}), copied in
   * as they are, without parsing.
   *
   * @throws IllegalStateException when the value would be too large for a byte array
   */
  public static byte[] write(String traceId, TraceVerdict verdict, int spanCount, int rootCount, int orphanCount,
      int cycleCount, int duplicateCount, long firstSeenMillis, long emittedAtMillis, List<byte[]> spans) {
    StringBuilder head = new StringBuilder(256).append('{');
    key(head, Key.TRACE_ID).append('"');
    JsonStringEncoder.getInstance().quoteAsString(traceId, head);
    head.append('"');
    key(head, Key.VERDICT).append('"').append(verdict.wire()).append('"');
    key(head, Key.COMPLETE).append(verdict == TraceVerdict.COMPLETE);
    key(head, Key.SPAN_COUNT).append(spanCount);
    key(head, Key.ROOT_COUNT).append(rootCount);
    key(head, Key.ORPHAN_COUNT).append(orphanCount);
    key(head, Key.CYCLE_COUNT).append(cycleCount);
    key(head, Key.DUPLICATE_COUNT).append(duplicateCount);
    key(head, Key.FIRST_SEEN).append('"').append(Timestamps.formatIso(firstSeenMillis)).append('"');
    key(head, Key.EMITTED_AT).append('"').append(Timestamps.formatIso(emittedAtMillis)).append('"');
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);

    long size = (long) headBytes.length + SPANS_OPEN.length + CLOSE.length + Math.max(0, spans.size() - 1);
    for (byte[] span : spans) {
      size += span.length;
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("trace " + traceId + " too large to serialise: " + size + " bytes");
    }
    byte[] out = new byte[(int) size];
    int pos = put(out, 0, headBytes);
    pos = put(out, pos, SPANS_OPEN);
    for (int i = 0; i < spans.size(); i++) {
      if (i > 0) {
        out[pos++] = ',';
      }
      pos = put(out, pos, spans.get(i));
    }
    put(out, pos, CLOSE);
    return out;
  }

  /** Appends {@code "name":}, after a comma unless it is the first key. */
  private static StringBuilder key(StringBuilder head, Key key) {
    if (key != Key.TRACE_ID) {
      head.append(',');
    }
    return head.append('"').append(key.name).append("\":");
  }

  private static int put(byte[] out, int pos, byte[] bytes) {
    System.arraycopy(bytes, 0, out, pos, bytes.length);
    return pos + bytes.length;
  }

  /**
   * Reads record values, consumed from the topic or handed over in memory. The record is read from its bytes with a
   * {@link JsonCursor}; its spans with {@link NormalizedSpanReader} when the record carries the normalised-format
   * header, else (and whenever that reading meets anything it does not expect) with {@link SpanDecoder}, which
   * validates in full and says what is wrong. Unknown fields are skipped, so producers may add fields;
   * {@code complete} is derived from the verdict and not read. Thread-safe.
   */
  public static final class Reader {

    private final SpanDecoder decoder;
    private final NormalizedSpanReader normalizedReader;

    public Reader(SpanDecoder decoder) {
      this.decoder = Objects.requireNonNull(decoder, "decoder");
      this.normalizedReader = new NormalizedSpanReader(decoder.limits());
    }

    /** Reads a record value without the normalised-format header: {@link #read(byte[], boolean)} with false. */
    public TraceRecord read(byte[] value) {
      return read(value, false);
    }

    /**
     * Reads one record value; {@code normalized}: it carries {@link SpanContract#FORMAT_HEADER} (the aggregator's
     * records), so its spans are read straight from the bytes. The result, and the refusal, are the same either way.
     *
     * @throws InvalidTraceRecordException when the value is not a JSON object of this form, a required field
     *     ({@code trace_id}, {@code verdict}, {@code spans}) is missing, a span is invalid, or a span belongs to
     *     another trace
     */
    public TraceRecord read(byte[] value, boolean normalized) {
      if (value == null) {
        throw new InvalidTraceRecordException("record has no value");
      }
      try {
        return readObject(new JsonCursor(value), value, normalized);
      } catch (JsonCursor.Malformed e) {
        throw new InvalidTraceRecordException("malformed JSON: " + e.getMessage(), e);
      } catch (InvalidSpanException e) {
        throw new InvalidTraceRecordException("invalid span: " + e.getMessage(), e);
      }
    }

    private TraceRecord readObject(JsonCursor c, byte[] value, boolean normalized) {
      if (c.atEnd() || c.peek() != '{') {
        if (!c.atEnd()) {
          c.skipValue(); // malformed JSON is said first
        }
        throw new InvalidTraceRecordException("record value is not a JSON object");
      }
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
          Key key = Key.of(c);
          if (key == null) {
            c.skipValue(); // forward compatibility
            continue;
          }
          switch (key) {
            case TRACE_ID -> traceId = string(c, key);
            case VERDICT -> {
              String v = string(c, key);
              verdict = TraceVerdict.fromWire(v);
              if (verdict == null) {
                throw new InvalidTraceRecordException("unknown verdict: " + v);
              }
            }
            case COMPLETE -> c.skipValue(); // derived from the verdict
            case SPAN_COUNT -> spanCount = count(c, key);
            case ROOT_COUNT -> rootCount = count(c, key);
            case ORPHAN_COUNT -> orphanCount = count(c, key);
            case CYCLE_COUNT -> cycleCount = count(c, key);
            case DUPLICATE_COUNT -> duplicateCount = count(c, key);
            case FIRST_SEEN -> firstSeen = time(c, key);
            case EMITTED_AT -> emittedAt = time(c, key);
            case SPANS -> spans = spans(c, value, normalized);
            default -> throw new IllegalStateException("unhandled key " + key);
          }
        } while (c.next('}'));
      }
      if (!c.atEnd()) {
        throw new InvalidTraceRecordException("record value is not a single JSON object");
      }
      if (traceId == null || traceId.isEmpty()) {
        throw new InvalidTraceRecordException(Key.TRACE_ID.name + " is missing");
      }
      if (verdict == null) {
        throw new InvalidTraceRecordException(Key.VERDICT.name + " is missing");
      }
      if (spans == null) {
        throw new InvalidTraceRecordException(Key.SPANS.name + " is missing");
      }
      for (Span s : spans) {
        if (!s.traceId().equals(traceId)) {
          throw new InvalidTraceRecordException(
              "span " + s.id() + " belongs to trace " + s.traceId() + ", not " + traceId);
        }
      }
      return new TraceRecord(traceId, verdict, spanCount < 0 ? spans.size() : spanCount, rootCount, orphanCount,
          cycleCount, duplicateCount, firstSeen, emittedAt, spans);
    }

    private List<Span> spans(JsonCursor c, byte[] value, boolean normalized) {
      if (c.peek() != '[') {
        c.skipValue();
        throw new InvalidTraceRecordException(Key.SPANS.name + " must be an array");
      }
      int start = c.position();
      if (normalized) {
        try {
          return normalizedReader.readArray(c);
        } catch (JsonCursor.Malformed e) {
          c.rewind(start); // the full reading accepts it after all, or says what is wrong
        }
      }
      c.skipValue();
      return decoder.readArray(value, start, c.position() - start);
    }

    private static String string(JsonCursor c, Key key) {
      if (!c.atString()) {
        c.skipValue();
        throw new InvalidTraceRecordException(key.name + " must be a string");
      }
      return c.string();
    }

    /** A count: a JSON integer from 0 to {@link Integer#MAX_VALUE}. */
    private static int count(JsonCursor c, Key key) {
      String text = c.text(c.skipValue());
      try {
        long v = Long.parseLong(text);
        if (v >= 0 && v <= Integer.MAX_VALUE) {
          return (int) v;
        }
      } catch (NumberFormatException e) {
        // not an integer: said below
      }
      throw new InvalidTraceRecordException(key.name + " must be a non-negative integer");
    }

    private static Long time(JsonCursor c, Key key) {
      if (c.consumeNull()) {
        return null;
      }
      String text = string(c, key);
      try {
        return Timestamps.parseIso(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidTraceRecordException(key.name + " is not an ISO-8601 time: " + e.getMessage());
      }
    }
  }
}
