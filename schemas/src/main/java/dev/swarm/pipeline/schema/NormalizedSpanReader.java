package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

  private static final byte[][] NAMES = SpanContract.FIELDS.stream()
      .map(n -> n.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
  private static final int F_ID = SpanContract.FIELDS.indexOf(SpanContract.ID);
  private static final int F_TRACE_ID = SpanContract.FIELDS.indexOf(SpanContract.TRACE_ID);
  private static final int F_PARENT_SPAN_ID = SpanContract.FIELDS.indexOf(SpanContract.PARENT_SPAN_ID);
  private static final int F_SPAN_NAME = SpanContract.FIELDS.indexOf(SpanContract.SPAN_NAME);
  private static final int F_SPAN_KIND = SpanContract.FIELDS.indexOf(SpanContract.SPAN_KIND);
  private static final int F_STATUS = SpanContract.FIELDS.indexOf(SpanContract.STATUS);
  private static final int F_START_TIME = SpanContract.FIELDS.indexOf(SpanContract.START_TIME);
  private static final int F_END_TIME = SpanContract.FIELDS.indexOf(SpanContract.END_TIME);
  private static final int F_DURATION_MS = SpanContract.FIELDS.indexOf(SpanContract.DURATION_MS);
  private static final int F_TENANT_ID = SpanContract.FIELDS.indexOf(SpanContract.TENANT_ID);
  private static final int F_TICKET_ID = SpanContract.FIELDS.indexOf(SpanContract.TICKET_ID);
  private static final int F_AGENT_ID = SpanContract.FIELDS.indexOf(SpanContract.AGENT_ID);
  private static final int F_ATTRIBUTES = SpanContract.FIELDS.indexOf(SpanContract.ATTRIBUTES);
  private static final int F_EVENTS = SpanContract.FIELDS.indexOf(SpanContract.EVENTS);

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
    List<FieldError> problems = new ArrayList<>(0);
    do {
      spans.add(read(c, problems));
    } while (c.next(']'));
    return spans;
  }

  private Span read(JsonCursor c, List<FieldError> problems) {
    int at = c.position();
    c.expect('{');
    String id = null;
    String traceId = null;
    String parent = null;
    String name = null;
    SpanKind kind = SpanKind.INTERNAL;
    SpanStatus status = SpanStatus.UNSET;
    long start = 0;
    boolean hasStart = false;
    Long end = null;
    Long duration = null;
    String tenant = null;
    String ticket = null;
    String agent = null;
    String attributes = "{}";
    String events = "[]";
    int eventCount = 0;
    int seen = 0;
    int hint = 0; // fields come in SpanContract.FIELDS order: try the next expected name first
    if (!c.consume('}')) {
      do {
        c.key();
        int f = field(c, hint);
        if ((seen & (1 << f)) != 0) {
          throw new JsonCursor.Malformed("duplicate field", c.position());
        }
        seen |= 1 << f;
        hint = f + 1;
        if (f == F_DURATION_MS) {
          duration = c.longValue();
        } else if (f == F_ATTRIBUTES) {
          if (c.peek() != '{') {
            throw new JsonCursor.Malformed("attributes is not an object", c.position());
          }
          attributes = c.text(c.skipValue());
        } else if (f == F_EVENTS) {
          if (c.peek() != '[') {
            throw new JsonCursor.Malformed("events is not an array", c.position());
          }
          events = c.text(c.skipValue());
          eventCount = c.lastArrayLength();
        } else {
          String text = c.string();
          if (f == F_ID) {
            id = text;
          } else if (f == F_TRACE_ID) {
            traceId = text;
          } else if (f == F_PARENT_SPAN_ID) {
            parent = text.isEmpty() ? null : text;
          } else if (f == F_SPAN_NAME) {
            name = text;
          } else if (f == F_SPAN_KIND) {
            kind = SpanKind.fromWire(text);
          } else if (f == F_STATUS) {
            status = SpanStatus.fromWire(text);
          } else if (f == F_START_TIME) {
            start = time(text, c);
            hasStart = true;
          } else if (f == F_END_TIME) {
            end = time(text, c);
          } else if (f == F_TENANT_ID) {
            tenant = text;
          } else if (f == F_TICKET_ID) {
            ticket = text;
          } else if (f == F_AGENT_ID) {
            agent = text;
          }
        }
      } while (c.next('}'));
    }
    if (id == null || traceId == null || name == null || !hasStart || kind == null || status == null) {
      throw new JsonCursor.Malformed("span lacks a required field or has a bad value", at);
    }
    if (duration == null && end != null) {
      duration = end - start; // as SpanDecoder derives it
    }
    Span span = new Span(id, traceId, parent, name, kind, status, start, end, duration, tenant, ticket, agent,
        attributes, events, eventCount);
    validator.validate(span, 0, problems);
    if (!problems.isEmpty()) {
      problems.clear();
      throw new JsonCursor.Malformed("span breaks a contract rule", at);
    }
    return span;
  }

  private static int field(JsonCursor c, int hint) {
    for (int i = 0; i < NAMES.length; i++) {
      int f = (hint + i) % NAMES.length;
      if (c.keyIs(NAMES[f])) {
        return f;
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
