package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * For the aggregator: walks a {@code swarm.spans} record value (a JSON array of normalised spans) and reports
 * each span's id, parent and byte range, without building {@link Span} objects or validating further.
 */
public final class SpanScanner {

  /** Receives one call per span, in array order. */
  public interface Sink {
    /**
     * @param parentSpanId null for a root (absent, null or {@code ""})
     * @param offset index of the span object's opening brace in the scanned array
     * @param length bytes up to and including its closing brace
     */
    void span(String id, String parentSpanId, int offset, int length);
  }

  private SpanScanner() {}

  /**
   * @throws InvalidSpanException if the bytes are not one JSON array of objects, or an object lacks a string
   *     {@code id}
   */
  public static void scan(byte[] utf8JsonArray, Sink sink) {
    // Byte-level first; the Jackson walk below only runs to describe input the fast one rejects. Nothing reaches
    // the sink before the whole array has been checked, so a record that fails part-way reports no spans twice.
    // If Jackson accepts what the byte-level scan did not, Jackson's reading stands.
    List<Found> found = new ArrayList<>();
    try {
      scanBytes(utf8JsonArray, found);
    } catch (JsonCursor.Malformed e) {
      scanWithJackson(utf8JsonArray, sink);
      return;
    }
    for (Found f : found) {
      sink.span(f.id, f.parentSpanId, f.offset, f.length);
    }
  }

  private record Found(String id, String parentSpanId, int offset, int length) {}

  /**
   * As {@link #scan(byte[], Sink)}, but cutting the array by {@code spanLengths} (the record's
   * {@link SpanContract#SPAN_LENGTHS_HEADER}, null when absent) and reading only the first fields of each span: the
   * normalised form writes {@code id}, {@code trace_id}, then {@code parent_span_id} when there is one. Without the
   * lengths, or when they or a span's first fields do not fit, the array is scanned as a whole.
   */
  public static void scan(byte[] utf8JsonArray, byte[] spanLengths, Sink sink) {
    List<Found> found = spanLengths == null ? null : cut(utf8JsonArray, spanLengths);
    if (found == null) {
      scan(utf8JsonArray, sink);
      return;
    }
    for (Found f : found) {
      sink.span(f.id, f.parentSpanId, f.offset, f.length);
    }
  }

  private static final byte[] TRACE_ID = SpanContract.TRACE_ID.getBytes(StandardCharsets.US_ASCII);

  /** The spans the lengths cut the array into, or null when they do not fit it. */
  private static List<Found> cut(byte[] value, byte[] lengths) {
    List<Found> found = new ArrayList<>();
    int offset = 1; // after '['
    int i = 0;
    try {
      if (value.length < 2 || value[0] != '[') {
        return null;
      }
      while (i < lengths.length) {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
          if (shift > 28) {
            return null;
          }
          byte b = lengths[i++];
          length |= (b & 0x7f) << shift;
          if (b >= 0) {
            break;
          }
        }
        int end = offset + length;
        if (length < 2 || end >= value.length || value[offset] != '{' || value[end - 1] != '}'
            || value[end] != (i == lengths.length ? ']' : ',')) {
          return null;
        }
        JsonCursor c = new JsonCursor(value, offset, length);
        c.expect('{');
        c.key();
        if (!c.keyIs(ID) || !c.atString()) {
          return null;
        }
        String id = c.string();
        String parentSpanId = null;
        if (c.next('}')) {
          c.key();
          if (!c.keyIs(TRACE_ID)) {
            return null;
          }
          c.skipValue();
          if (c.next('}')) {
            c.key();
            if (c.keyIs(PARENT_SPAN_ID) && c.atString()) {
              String text = c.string();
              parentSpanId = text.isEmpty() ? null : text;
            }
          }
        }
        found.add(new Found(id, parentSpanId, offset, length));
        offset = end + 1;
      }
    } catch (JsonCursor.Malformed | ArrayIndexOutOfBoundsException e) {
      return null;
    }
    return offset == value.length ? found : null;
  }

  private static final byte[] ID = SpanContract.ID.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PARENT_SPAN_ID = SpanContract.PARENT_SPAN_ID.getBytes(StandardCharsets.US_ASCII);

  private static void scanBytes(byte[] value, List<Found> found) {
    JsonCursor c = new JsonCursor(value);
    c.expect('[');
    if (!c.consume(']')) {
      do {
        if (c.peek() != '{') {
          throw new JsonCursor.Malformed("span is not an object", c.position());
        }
        int offset = c.position();
        c.expect('{');
        String id = null;
        String parentSpanId = null;
        if (!c.consume('}')) {
          do {
            c.key();
            if (c.keyIs(ID) && c.atString()) {
              id = c.string();
            } else if (c.keyIs(PARENT_SPAN_ID) && c.atString()) {
              String text = c.string();
              parentSpanId = text.isEmpty() ? null : text;
            } else {
              c.skipValue();
            }
          } while (c.next('}'));
        }
        if (id == null) {
          throw new JsonCursor.Malformed("span has no id", offset);
        }
        found.add(new Found(id, parentSpanId, offset, c.position() - offset));
      } while (c.next(']'));
    }
    if (!c.atEnd()) {
      throw new JsonCursor.Malformed("content after the array", c.position());
    }
  }

  private static void scanWithJackson(byte[] utf8JsonArray, Sink sink) {
    try (JsonParser p = SpanJson.FACTORY.createParser(utf8JsonArray)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new InvalidSpanException("expected a JSON array of spans");
      }
      int index = 0;
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.START_OBJECT) {
          throw new InvalidSpanException(
              "span " + index + " is not a JSON object",
              List.of(new FieldError(index, "", "span must be a JSON object, not " + SpanJson.typeName(t))));
        }
        int offset = (int) p.currentTokenLocation().getByteOffset();
        String id = null;
        String parentSpanId = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          if (value == JsonToken.VALUE_STRING && SpanContract.ID.equals(field)) {
            id = p.getText();
          } else if (value == JsonToken.VALUE_STRING && SpanContract.PARENT_SPAN_ID.equals(field)) {
            parentSpanId = p.getTextLength() == 0 ? null : p.getText();
          } else {
            p.skipChildren();
          }
        }
        // Now on the span's END_OBJECT; the current location is just past it.
        int endExclusive = (int) p.currentLocation().getByteOffset();
        if (id == null) {
          throw new InvalidSpanException(
              "span " + index + " has no id", List.of(new FieldError(index, SpanContract.ID, "required")));
        }
        sink.span(id, parentSpanId, offset, endExclusive - offset);
        index++;
      }
      if (p.nextToken() != null) {
        throw new InvalidSpanException("unexpected content after the JSON array");
      }
    } catch (JsonProcessingException e) {
      throw new InvalidSpanException("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen reading a byte array
    }
  }
}
