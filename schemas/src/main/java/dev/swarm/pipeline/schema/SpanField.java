package dev.swarm.pipeline.schema;

/**
 * The span's top-level fields in the contract's order, each with its wire name, whether it is required, and its bit
 * in a mask of fields. {@link SpanContract#FIELDS} and {@link SpanContract#REQUIRED_FIELDS} are derived from it, and
 * the readers ({@link SpanDecoder}, {@link NormalizedSpanReader}, {@link SpanDraft}) index fields with it, so no
 * field index is written by hand anywhere. {@link Event} does the same for an event's fields.
 */
enum SpanField {
  ID(SpanContract.ID, true),
  TRACE_ID(SpanContract.TRACE_ID, true),
  PARENT_SPAN_ID(SpanContract.PARENT_SPAN_ID, false),
  SPAN_NAME(SpanContract.SPAN_NAME, true),
  SPAN_KIND(SpanContract.SPAN_KIND, false),
  STATUS(SpanContract.STATUS, false),
  START_TIME(SpanContract.START_TIME, true),
  END_TIME(SpanContract.END_TIME, false),
  DURATION_MS(SpanContract.DURATION_MS, false),
  TENANT_ID(SpanContract.TENANT_ID, false),
  TICKET_ID(SpanContract.TICKET_ID, false),
  AGENT_ID(SpanContract.AGENT_ID, false),
  ATTRIBUTES(SpanContract.ATTRIBUTES, false),
  EVENTS(SpanContract.EVENTS, false);

  /** The fields in order (one shared copy of {@code values()}). */
  static final SpanField[] ALL = values();

  /** The bits of the required fields. */
  static final int REQUIRED = mask(ALL);

  final String wire;
  final boolean required;
  final int bit;

  SpanField(String wire, boolean required) {
    this.wire = wire;
    this.required = required;
    this.bit = 1 << ordinal();
  }

  /** The field of a wire name, or null for a name the contract does not have. */
  static SpanField of(String wire) {
    switch (wire) {
      case SpanContract.ID:
        return ID;
      case SpanContract.TRACE_ID:
        return TRACE_ID;
      case SpanContract.PARENT_SPAN_ID:
        return PARENT_SPAN_ID;
      case SpanContract.SPAN_NAME:
        return SPAN_NAME;
      case SpanContract.SPAN_KIND:
        return SPAN_KIND;
      case SpanContract.STATUS:
        return STATUS;
      case SpanContract.START_TIME:
        return START_TIME;
      case SpanContract.END_TIME:
        return END_TIME;
      case SpanContract.DURATION_MS:
        return DURATION_MS;
      case SpanContract.TENANT_ID:
        return TENANT_ID;
      case SpanContract.TICKET_ID:
        return TICKET_ID;
      case SpanContract.AGENT_ID:
        return AGENT_ID;
      case SpanContract.ATTRIBUTES:
        return ATTRIBUTES;
      case SpanContract.EVENTS:
        return EVENTS;
      default:
        return null;
    }
  }

  /** The bit of a top-level field named by a problem's path, 0 for any other path (such as {@code events[2].time}). */
  static int bitOf(String path) {
    SpanField f = of(path);
    return f == null ? 0 : f.bit;
  }

  private static int mask(SpanField[] fields) {
    int m = 0;
    for (SpanField f : fields) {
      if (f.required) {
        m |= f.bit;
      }
    }
    return m;
  }

  /** An event object's fields, in written order. */
  enum Event {
    NAME(SpanContract.EVENT_NAME, true),
    TIME(SpanContract.EVENT_TIME, true),
    ATTRIBUTES(SpanContract.EVENT_ATTRIBUTES, false);

    static final Event[] ALL = values();

    final String wire;
    final boolean required;
    final int bit;

    Event(String wire, boolean required) {
      this.wire = wire;
      this.required = required;
      this.bit = 1 << ordinal();
    }

    /** The path of event {@code e}'s {@code field} in a {@link FieldError} ({@code events[3].time}); null: the event. */
    static String path(int e, String field) {
      return field == null ? "events[" + e + "]" : "events[" + e + "]." + field;
    }

    static Event of(String wire) {
      switch (wire) {
        case SpanContract.EVENT_NAME:
          return NAME;
        case SpanContract.EVENT_TIME:
          return TIME;
        case SpanContract.EVENT_ATTRIBUTES:
          return ATTRIBUTES;
        default:
          return null;
      }
    }
  }
}
