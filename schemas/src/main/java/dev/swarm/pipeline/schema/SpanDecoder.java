package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.exc.StreamWriteException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Validates and normalises spans from JSON in one streaming pass (Jackson tokens, no tree model).
 *
 * <p>Thread-safe and reusable: all per-call state lives in a {@link Session}. Rules are in
 * {@code schemas/README.md}; the constants come from {@link SpanContract}.
 */
public final class SpanDecoder {

  /** Most {@link FieldError}s kept per call; the rest are only counted. */
  public static final int MAX_ERROR_DETAILS = 100;

  private static final String EMPTY_OBJECT = "{}";
  private static final String EMPTY_ARRAY = "[]";

  private final SpanLimits limits;

  public SpanDecoder(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public SpanLimits limits() {
    return limits;
  }

  /**
   * Decodes a request body: one span object, an array of spans, or {@code {"spans":[...]}} (no other
   * top-level keys). All-or-nothing: any invalid span makes the result {@link DecodeResult.Invalid}.
   * Counting stops at the first span beyond {@code maxSpans}, which yields {@link DecodeResult.TooManySpans}
   * even if earlier spans were invalid.
   */
  public DecodeResult decodeRequest(byte[] utf8Json, int maxSpans) {
    Objects.requireNonNull(utf8Json, "utf8Json");
    int badUtf8 = Utf8.firstInvalid(utf8Json, 0, utf8Json.length);
    if (badUtf8 >= 0) {
      return new DecodeResult.Malformed(Utf8.invalidAt(badUtf8));
    }
    Session session = new Session();
    try (JsonParser p = SpanJson.FACTORY.createParser(utf8Json)) {
      JsonToken top = p.nextToken();
      if (top == JsonToken.START_ARRAY) {
        if (!session.readSpans(p, maxSpans)) {
          return new DecodeResult.TooManySpans(maxSpans);
        }
      } else if (top == JsonToken.START_OBJECT) {
        JsonToken first = p.nextToken();
        if (first == JsonToken.FIELD_NAME && SpanContract.BATCH_SPANS.equals(p.currentName())) {
          if (p.nextToken() != JsonToken.START_ARRAY) {
            return new DecodeResult.Malformed("\"spans\" must be an array of span objects");
          }
          if (!session.readSpans(p, maxSpans)) {
            return new DecodeResult.TooManySpans(maxSpans);
          }
          if (p.nextToken() != JsonToken.END_OBJECT) {
            return new DecodeResult.Malformed(
                "the {\"spans\":[...]} wrapper allows no other keys, found \"" + p.currentName() + "\"");
          }
        } else {
          if (maxSpans < 1) {
            return new DecodeResult.TooManySpans(maxSpans);
          }
          session.spanCount = 1;
          session.readSpan(p, 0, first);
        }
      } else if (top == null) {
        return new DecodeResult.Malformed("empty body");
      } else {
        return new DecodeResult.Malformed(
            "body must be a span object, an array of spans, or {\"spans\":[...]}, not a "
                + SpanJson.typeName(top));
      }
      if (p.nextToken() != null) {
        return new DecodeResult.Malformed("unexpected content after the JSON value");
      }
    } catch (JsonProcessingException e) {
      return new DecodeResult.Malformed(describe(e));
    } catch (IOException e) {
      return new DecodeResult.Malformed("unreadable body: " + e.getMessage());
    } finally {
      session.close();
    }
    if (session.invalidSpans > 0) {
      return new DecodeResult.Invalid(session.summary(), session.details, session.invalidSpans, session.spanCount);
    }
    return new DecodeResult.Accepted(session.spans);
  }

  /**
   * Reads a JSON array of spans with the same validation, for consumers of {@code swarm.spans} and
   * {@code swarm.traces}. The parser must be positioned on START_ARRAY; it is left on the matching END_ARRAY.
   *
   * @throws InvalidSpanException if the JSON is malformed or any span is invalid
   */
  public List<Span> readArray(JsonParser parser) throws IOException {
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new InvalidSpanException(
          "expected a JSON array of spans, found " + SpanJson.typeName(parser.currentToken()));
    }
    Session session = new Session();
    try {
      session.readSpans(parser, Integer.MAX_VALUE);
    } catch (JsonProcessingException e) {
      // Syntax errors and Jackson's read constraints (nesting depth, string length).
      throw new InvalidSpanException(describe(e));
    } finally {
      session.close();
    }
    if (session.invalidSpans > 0) {
      throw new InvalidSpanException(session.summary(), session.details);
    }
    return session.spans;
  }

  /**
   * Reads a whole byte array holding one JSON array of spans (a {@code swarm.spans} record value).
   *
   * @throws InvalidSpanException if the JSON is malformed, not a single array, or any span is invalid
   */
  public List<Span> readArray(byte[] utf8JsonArray) {
    return readArray(utf8JsonArray, 0, utf8JsonArray.length);
  }

  /**
   * Reads {@code length} bytes from {@code offset} holding one JSON array of spans (the {@code spans} of a
   * {@code swarm.traces} record value), as {@link #readArray(byte[])} reads a whole array.
   *
   * @throws InvalidSpanException if the JSON is malformed, not a single array, or any span is invalid
   */
  public List<Span> readArray(byte[] utf8, int offset, int length) {
    int badUtf8 = Utf8.firstInvalid(utf8, offset, length);
    if (badUtf8 >= 0) {
      throw new InvalidSpanException(Utf8.invalidAt(badUtf8 - offset));
    }
    try (JsonParser p = SpanJson.FACTORY.createParser(utf8, offset, length)) {
      p.nextToken();
      List<Span> spans = readArray(p);
      if (p.nextToken() != null) {
        throw new InvalidSpanException("unexpected content after the JSON array");
      }
      return spans;
    } catch (JsonProcessingException e) {
      throw new InvalidSpanException(describe(e));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen when reading from a byte array
    }
  }

  private static String describe(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String where =
        at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    return "malformed JSON: " + e.getOriginalMessage() + where;
  }

  private static String unknownFieldMessage(String suggestion) {
    return suggestion == null ? "unknown field" : "unknown field (did you mean " + suggestion + "?)";
  }

  /** State of one decode call: results, errors, and the reusable buffers for attributes and events. */
  private final class Session implements SpanDraft.Problems {
    final List<Span> spans = new ArrayList<>();
    final List<FieldError> details = new ArrayList<>();
    int errorCount;
    int invalidSpans;
    int spanCount;
    private boolean spanInvalid;
    private int spanIndex; // index of the span being read
    private int currentEvent = -1; // index of the event being read, or -1
    private final SpanDraft draft = new SpanDraft();

    private CappedOutputBuffer objectBuffer;
    private JsonGenerator objectGen;
    private StringBuilder eventsText;

    // Output of readTime, to avoid boxing a long per time field.
    private long parsedTime;

    // Outputs of readEvents, to avoid a result object per span.
    private String eventsJson;
    private int eventCount;

    /**
     * Reads array elements up to END_ARRAY. Returns false, leaving the parser mid-array, as soon as there are
     * more than {@code maxSpans}.
     */
    boolean readSpans(JsonParser p, int maxSpans) throws IOException {
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw new JsonParseException(p, "unexpected end of input inside the array of spans");
        }
        if (spanCount >= maxSpans) {
          return false;
        }
        int index = spanCount++;
        if (t == JsonToken.START_OBJECT) {
          readSpan(p, index, p.nextToken());
        } else {
          spanInvalid = false;
          wrongType(p, index, "", "span must be a JSON object", t);
          endSpan();
        }
      }
      return true;
    }

    /** Reads one span object whose START_OBJECT is consumed; {@code first} is the token after it. */
    void readSpan(JsonParser p, int index, JsonToken first) throws IOException {
      spanInvalid = false;
      spanIndex = index;
      SpanDraft d = draft;
      d.reset();
      int seen = 0;
      int nulls = 0;

      for (JsonToken t = first; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        SpanField f = SpanField.of(field);
        if (!admit(p, index, field, f == null ? 0 : f.bit, seen, false)) {
          continue;
        }
        seen |= f.bit;
        if (value == JsonToken.VALUE_NULL) {
          nulls |= f.bit; // null means absent
          continue;
        }
        switch (f) {
          case ID:
            d.id = readId(p, value, index, field);
            break;
          case TRACE_ID:
            d.traceId = readId(p, value, index, field);
            break;
          case PARENT_SPAN_ID:
            // Many clients send "" for roots; treat it as absent rather than reject it.
            if (value == JsonToken.VALUE_STRING && p.getTextLength() == 0) {
              nulls |= f.bit;
            } else {
              d.parentSpanId = readId(p, value, index, field);
            }
            break;
          case SPAN_NAME:
            d.spanName = readName(p, value, index, field, limits.maxSpanNameChars());
            break;
          case SPAN_KIND:
            d.kind = readEnum(p, value, index, field, SpanKind::fromWire, SpanContract.SPAN_KINDS, d.kind);
            break;
          case STATUS:
            d.status = readEnum(p, value, index, field, SpanStatus::fromWire, SpanContract.STATUSES, d.status);
            break;
          case START_TIME:
            if (readTime(p, value, index, field)) {
              d.start(parsedTime);
            }
            break;
          case END_TIME:
            if (readTime(p, value, index, field)) {
              d.end(parsedTime);
            }
            break;
          case DURATION_MS:
            if (value != JsonToken.VALUE_NUMBER_INT) {
              wrongType(p, index, field, "must be a non-negative integer (milliseconds)", value);
            } else if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
              error(index, field, "is too large");
            } else if (p.getLongValue() < 0) {
              error(index, field, SpanValidator.NEGATIVE);
            } else {
              d.duration(p.getLongValue());
            }
            break;
          case TENANT_ID:
            d.tenantId = readTenant(p, value, index, field);
            break;
          case TICKET_ID:
            d.ticketId = readId(p, value, index, field);
            break;
          case AGENT_ID:
            d.agentId = readId(p, value, index, field);
            break;
          case ATTRIBUTES:
            String attributes = readAttributes(p, value, index, field);
            if (attributes != null) {
              d.attributesJson = attributes;
            }
            break;
          case EVENTS:
            if (value != JsonToken.START_ARRAY) {
              wrongType(p, index, field, "must be an array of events", value);
            } else {
              readEvents(p, index);
              d.eventsJson = eventsJson;
              d.eventCount = eventCount;
            }
            break;
          default:
            throw new IllegalStateException("unhandled field " + field);
        }
      }

      // Fields given a value (valid or not) have had their say; the draft names the required ones never given.
      Span span = d.build(seen & ~nulls, this);
      if (d.hasStart && d.hasEnd && d.end < d.start) {
        error(index, SpanContract.END_TIME, SpanValidator.END_BEFORE_START);
      }
      if (!spanInvalid) {
        spans.add(span);
      }
      endSpan();
    }

    /** A rule {@link SpanDraft#build} found broken, for the span being read. */
    @Override
    public void add(String field, String message) {
      error(spanIndex, field, message);
    }

    /** Reads an events array (START_ARRAY consumed) into {@link #eventsJson} / {@link #eventCount}. */
    private void readEvents(JsonParser p, int index) throws IOException {
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_ARRAY) {
        eventsJson = EMPTY_ARRAY;
        eventCount = 0;
        return;
      }
      // Built as text rather than with a second generator: a generator per call costs more than a span.
      StringBuilder out = eventsText();
      out.setLength(0);
      out.append('[');
      int count = 0;
      for (; t != JsonToken.END_ARRAY; t = p.nextToken()) {
        int e = count++;
        if (e >= limits.maxEventsPerSpan()) {
          if (e == limits.maxEventsPerSpan()) {
            error(index, SpanContract.EVENTS, SpanValidator.tooManyEvents(limits));
          }
          p.skipChildren();
        } else if (t != JsonToken.START_OBJECT) {
          wrongType(p, index, SpanField.Event.path(e, null), "event must be a JSON object", t);
        } else {
          readEvent(p, index, e, out);
        }
      }
      out.append(']');
      eventsJson = out.toString();
      eventCount = count;
    }

    /** Reads one event object (START_OBJECT consumed) and, when valid, appends its normalised form. */
    private void readEvent(JsonParser p, int index, int e, StringBuilder out) throws IOException {
      int errorsBefore = errorCount;
      currentEvent = e; // error() prefixes field names with events[e]. only when there is an error
      int seen = 0;
      int nulls = 0;
      String name = null;
      long time = 0;
      String attributes = EMPTY_OBJECT;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        SpanField.Event f = SpanField.Event.of(field);
        if (!admit(p, index, field, f == null ? 0 : f.bit, seen, true)) {
          continue;
        }
        seen |= f.bit;
        if (value == JsonToken.VALUE_NULL) {
          nulls |= f.bit;
          continue;
        }
        switch (f) {
          case NAME:
            name = readName(p, value, index, field, SpanContract.MAX_EVENT_NAME_CHARS);
            break;
          case TIME:
            if (readTime(p, value, index, field)) {
              time = parsedTime;
            }
            break;
          case ATTRIBUTES:
            String copied = readAttributes(p, value, index, field);
            if (copied != null) {
              attributes = copied;
            }
            break;
          default:
            throw new IllegalStateException("unhandled event field " + field);
        }
      }
      int given = seen & ~nulls;
      for (SpanField.Event f : SpanField.Event.ALL) {
        if (f.required && (given & f.bit) == 0) {
          error(index, f.wire, SpanDraft.REQUIRED);
        }
      }
      currentEvent = -1;
      if (errorCount == errorsBefore) {
        SpanJson.appendEvent(out, name, time, attributes);
      }
    }

    /**
     * Whether to read the value of member {@code field} (of a span, or of an event when {@code event}), whose bit is
     * {@code bit} (0: not a field of the contract); false, with the error recorded and the value skipped, for an
     * unknown field or one already in {@code seen}.
     */
    private boolean admit(JsonParser p, int index, String field, int bit, int seen, boolean event) throws IOException {
      if (bit != 0 && (seen & bit) == 0) {
        return true;
      }
      error(index, field, bit != 0 ? "duplicate field"
          : unknownFieldMessage(event ? SpanContract.suggestEventField(field) : SpanContract.suggestSpanField(field)));
      p.skipChildren();
      return false;
    }

    /** An attributes object (a span's or an event's) as compact JSON, or null with the error recorded. */
    private String readAttributes(JsonParser p, JsonToken value, int index, String field) throws IOException {
      return value == JsonToken.START_OBJECT ? copyObject(p, index, field)
          : wrongType(p, index, field, "must be a JSON object", value);
    }

    /**
     * Copies the object at the current START_OBJECT to compact JSON, enforcing the byte limit and rejecting
     * duplicate keys. Returns null (error recorded, parser moved past the object) when it breaks a rule.
     *
     * <p>Not {@code copyCurrentStructure}: that rounds decimals through double ({@code 1e400} becomes the
     * string {@code "Infinity"}), so floats are copied as their original text instead.
     */
    private String copyObject(JsonParser p, int index, String field) throws IOException {
      CappedOutputBuffer buffer = objectBuffer();
      JsonGenerator gen = objectGen();
      buffer.reset();
      int depth = 0;
      try {
        JsonToken t = p.currentToken();
        while (true) {
          switch (t.id()) {
            case JsonTokenId.ID_START_OBJECT:
            case JsonTokenId.ID_START_ARRAY:
              depth++;
              gen.copyCurrentEvent(p);
              break;
            case JsonTokenId.ID_END_OBJECT:
            case JsonTokenId.ID_END_ARRAY:
              depth--;
              gen.copyCurrentEvent(p);
              break;
            case JsonTokenId.ID_NUMBER_FLOAT:
              gen.writeNumber(p.getText());
              break;
            default:
              gen.copyCurrentEvent(p);
          }
          if (depth == 0) {
            break;
          }
          t = p.nextToken();
        }
        gen.flush();
        return buffer.toUtf8String();
      } catch (CappedOutputBuffer.CapExceeded e) {
        error(index, field, SpanValidator.attributesTooLarge(limits));
      } catch (StreamWriteException e) {
        // The generator refused a key it had already written, or text it cannot encode.
        error(index, field, SpanJson.writeProblem(e));
      }
      // The generator is mid-structure after a failure: drop it and skip the rest of the input object.
      objectGen = null;
      buffer.reset();
      while (depth > 0) {
        JsonToken t = p.nextToken();
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        }
      }
      return null;
    }

    private String readString(JsonParser p, JsonToken value, int index, String field) throws IOException {
      return value == JsonToken.VALUE_STRING ? p.getText() : wrongType(p, index, field, "must be a string", value);
    }

    /**
     * Records that {@code field} holds a JSON value of the wrong type ({@code must}: what it must be) and skips the
     * value; null, for the callers that return what they read.
     */
    private String wrongType(JsonParser p, int index, String field, String must, JsonToken value) throws IOException {
      error(index, field, must + ", not " + SpanJson.typeName(value));
      p.skipChildren();
      return null;
    }

    /** {@code text}, or null (with the error recorded) when {@code problem} says what is wrong with it. */
    private String checked(String text, String problem, int index, String field) {
      if (problem != null) {
        error(index, field, problem);
        return null;
      }
      return text;
    }

    private String readId(JsonParser p, JsonToken value, int index, String field) throws IOException {
      String text = readString(p, value, index, field);
      return text == null ? null : checked(text, SpanValidator.idProblem(text), index, field);
    }

    /** A wire enum value, or {@code otherwise} (with an error naming the allowed values) when it is none. */
    private <E> E readEnum(JsonParser p, JsonToken value, int index, String field,
        java.util.function.Function<String, E> fromWire, List<String> allowed, E otherwise) throws IOException {
      String text = readString(p, value, index, field);
      if (text == null) {
        return otherwise;
      }
      E e = fromWire.apply(text);
      if (e == null) {
        error(index, field, "must be one of " + String.join(", ", allowed));
        return otherwise;
      }
      return e;
    }

    /** Reads an ISO-8601 time into {@link #parsedTime}; false (with the error recorded) when there is none. */
    private boolean readTime(JsonParser p, JsonToken value, int index, String field) throws IOException {
      String text = readString(p, value, index, field);
      if (text == null) {
        return false;
      }
      try {
        parsedTime = Timestamps.parseIso(text);
        return true;
      } catch (IllegalArgumentException e) {
        error(index, field, e.getMessage());
        return false;
      }
    }

    private String readTenant(JsonParser p, JsonToken value, int index, String field) throws IOException {
      String text = readString(p, value, index, field);
      return text == null ? null : checked(text, TenantIds.problem(text), index, field);
    }

    /** A non-empty string of at most {@code maxChars} code points with no unpaired surrogates. */
    private String readName(JsonParser p, JsonToken value, int index, String field, int maxChars)
        throws IOException {
      String text = readString(p, value, index, field);
      return text == null ? null : checked(text, SpanValidator.nameProblem(text, maxChars), index, field);
    }

    private void error(int index, String field, String message) {
      spanInvalid = true;
      errorCount++;
      if (details.size() < MAX_ERROR_DETAILS) {
        details.add(new FieldError(index, currentEvent >= 0 ? SpanField.Event.path(currentEvent, field) : field, message));
      }
    }

    private void endSpan() {
      if (spanInvalid) {
        invalidSpans++;
      }
    }

    String summary() {
      StringBuilder sb = new StringBuilder();
      sb.append(invalidSpans).append(" of ").append(spanCount).append(spanCount == 1 ? " span" : " spans");
      sb.append(" invalid, none accepted");
      if (errorCount > details.size()) {
        sb.append(" (").append(errorCount).append(" problems, first ").append(details.size()).append(" listed)");
      }
      if (!details.isEmpty()) {
        sb.append(": ").append(details.get(0));
      }
      return sb.toString();
    }

    private CappedOutputBuffer objectBuffer() {
      if (objectBuffer == null) {
        objectBuffer = new CappedOutputBuffer(512, limits.maxAttributesBytes());
      }
      return objectBuffer;
    }

    private JsonGenerator objectGen() throws IOException {
      if (objectGen == null) {
        objectGen = SpanJson.objectGenerator(objectBuffer(), true);
      }
      return objectGen;
    }

    private StringBuilder eventsText() {
      if (eventsText == null) {
        eventsText = new StringBuilder(256);
      }
      return eventsText;
    }

    /** Returns the generator's buffer to Jackson's pool. */
    void close() {
      if (objectGen == null) {
        return;
      }
      try {
        objectGen.close();
      } catch (IOException | RuntimeException e) {
        // Only buffer bookkeeping is lost; the results were already taken.
      }
      objectGen = null;
    }
  }
}
