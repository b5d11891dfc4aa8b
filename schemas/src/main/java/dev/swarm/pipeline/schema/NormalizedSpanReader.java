package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads spans that the pipeline itself validated and wrote in the normalised form (records carrying
 * {@link SpanContract#FORMAT_HEADER}), straight from the bytes with a {@link JsonCursor}: no tokens, no copies of
 * attributes and events (their JSON text is taken as it is). The scalar rules of {@link SpanValidator} are applied
 * again, since they cost little.
 *
 * <p>Anything unexpected (an unknown field, a wrong type, a broken rule) throws {@link JsonCursor.Malformed}: the
 * caller then reads the record with {@link SpanDecoder}, which either accepts it or says exactly what is wrong.
 * Thread-safe.
 */
public final class NormalizedSpanReader {

  private static final byte[][] NAMES = Arrays.stream(SpanField.ALL)
      .map(f -> f.wire.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

  private final SpanValidator validator;

  public NormalizedSpanReader(SpanLimits limits) {
    this.validator = new SpanValidator(Objects.requireNonNull(limits, "limits"));
  }

  /** Reads a JSON array of spans at the cursor. */
  public List<Span> readArray(JsonCursor c) {
    c.expect('[');
    List<Span> spans = new ArrayList<>();
    if (c.consume(']')) {
      return spans;
    }
    SpanDraft draft = new SpanDraft();
    List<FieldError> problems = new ArrayList<>(0);
    do {
      spans.add(read(c, draft, problems));
    } while (c.next(']'));
    return spans;
  }

  private Span read(JsonCursor c, SpanDraft d, List<FieldError> problems) {
    int at = c.position();
    c.expect('{');
    d.reset();
    int seen = 0;
    int hint = 0; // fields come in SpanContract.FIELDS order: try the next expected name first
    if (!c.consume('}')) {
      do {
        c.key();
        SpanField f = field(c, hint);
        if ((seen & f.bit) != 0) {
          throw new JsonCursor.Malformed("duplicate field", c.position());
        }
        seen |= f.bit;
        hint = f.ordinal() + 1;
        switch (f) {
          case DURATION_MS -> d.duration(c.longValue());
          case ATTRIBUTES -> {
            if (c.peek() != '{') {
              throw new JsonCursor.Malformed("attributes is not an object", c.position());
            }
            d.attributesJson = c.text(c.skipValue());
          }
          case EVENTS -> {
            if (c.peek() != '[') {
              throw new JsonCursor.Malformed("events is not an array", c.position());
            }
            d.eventsJson = c.text(c.skipValue());
            d.eventCount = c.lastArrayLength();
          }
          default -> string(f, c.string(), d, c);
        }
      } while (c.next('}'));
    }
    Span span = d.kind == null || d.status == null ? null : d.build(0, SpanDraft.IGNORE);
    if (span == null) {
      throw new JsonCursor.Malformed("span lacks a required field or has a bad value", at);
    }
    validator.validate(span, 0, problems);
    if (!problems.isEmpty()) {
      problems.clear();
      throw new JsonCursor.Malformed("span breaks a contract rule", at);
    }
    return span;
  }

  /** A field whose value is a string. */
  private static void string(SpanField f, String text, SpanDraft d, JsonCursor c) {
    switch (f) {
      case ID -> d.id = text;
      case TRACE_ID -> d.traceId = text;
      case PARENT_SPAN_ID -> d.parentSpanId = text.isEmpty() ? null : text;
      case SPAN_NAME -> d.spanName = text;
      case SPAN_KIND -> d.kind = SpanKind.fromWire(text);
      case STATUS -> d.status = SpanStatus.fromWire(text);
      case START_TIME -> d.start(time(text, c));
      case END_TIME -> d.end(time(text, c));
      case TENANT_ID -> d.tenantId = text;
      case TICKET_ID -> d.ticketId = text;
      case AGENT_ID -> d.agentId = text;
      default -> throw new IllegalStateException("not a string field: " + f);
    }
  }

  private static SpanField field(JsonCursor c, int hint) {
    for (int i = 0; i < NAMES.length; i++) {
      int f = (hint + i) % NAMES.length;
      if (c.keyIs(NAMES[f])) {
        return SpanField.ALL[f];
      }
    }
    throw new JsonCursor.Malformed("unknown field " + c.keyText(), c.position());
  }

  private static long time(String text, JsonCursor c) {
    try {
      return Timestamps.parseIso(text);
    } catch (IllegalArgumentException e) {
      throw new JsonCursor.Malformed("bad time", c.position());
    }
  }
}
