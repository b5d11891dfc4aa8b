package dev.swarm.pipeline.schema;

/**
 * One span's values while a reader collects them, and the rules that take the span as a whole: every required field
 * ({@link SpanField#required}) has a value, and {@code duration_ms}, when not given, is {@code end_time − start_time}.
 * {@link SpanDecoder}, {@link NormalizedSpanReader} and {@link SpanBuilder} fill one and call {@link #build}, so these
 * rules, their words and the making of the {@link Span} are written once. The rules on single values (ids, names,
 * times, limits) are {@link SpanValidator}'s.
 *
 * <p>Not thread-safe: one per reader call, {@link #reset} between spans.
 */
final class SpanDraft {

  /** The message of a required field without a value (also of a missing event name or time). */
  static final String REQUIRED = "required";

  /** Where {@link #build} reports a broken rule: the field's path and the message. */
  interface Problems {
    void add(String field, String message);
  }

  /** Records nothing: for a reader that only needs to know that {@link #build} refused. */
  static final Problems IGNORE = (field, message) -> {};

  String id;
  String traceId;
  String parentSpanId;
  String spanName;
  SpanKind kind;
  SpanStatus status;
  long start;
  boolean hasStart;
  long end;
  boolean hasEnd;
  long duration;
  boolean hasDuration;
  String tenantId;
  String ticketId;
  String agentId;
  String attributesJson;
  String eventsJson;
  int eventCount;

  SpanDraft() {
    reset();
  }

  /** Back to an empty span: no values, the defaults of the optional fields. */
  void reset() {
    id = null;
    traceId = null;
    parentSpanId = null;
    spanName = null;
    kind = SpanKind.INTERNAL;
    status = SpanStatus.UNSET;
    hasStart = false;
    hasEnd = false;
    hasDuration = false;
    tenantId = null;
    ticketId = null;
    agentId = null;
    attributesJson = "{}";
    eventsJson = "[]";
    eventCount = 0;
  }

  void start(long millis) {
    start = millis;
    hasStart = true;
  }

  void end(long millis) {
    end = millis;
    hasEnd = true;
  }

  void duration(long millis) {
    duration = millis;
    hasDuration = true;
  }

  /**
   * The span, or null when a required field has no value. Each such field is reported as {@link #REQUIRED}, unless
   * its bit is in {@code reported}: the reader found a value there and has already said what is wrong with it.
   */
  Span build(int reported, Problems problems) {
    int missing = SpanField.REQUIRED & ~present();
    if (missing != 0) {
      for (SpanField f : SpanField.ALL) {
        if ((missing & ~reported & f.bit) != 0) {
          problems.add(f.wire, REQUIRED);
        }
      }
      return null;
    }
    return new Span(id, traceId, parentSpanId, spanName, kind, status, start, hasEnd ? end : null, durationMs(),
        tenantId, ticketId, agentId, attributesJson, eventsJson, eventCount);
  }

  /**
   * {@code duration_ms}: as given; else {@code end_time − start_time} when the span has an end not before its start
   * (an end before the start is {@code end_time}'s error, not a negative duration); else none.
   */
  Long durationMs() {
    if (hasDuration) {
      return duration;
    }
    return hasEnd && end >= start ? Long.valueOf(end - start) : null;
  }

  /** The bits of the fields that hold a value (those with a default always do). */
  private int present() {
    int m = SpanField.SPAN_KIND.bit | SpanField.STATUS.bit | SpanField.ATTRIBUTES.bit | SpanField.EVENTS.bit;
    m |= id != null ? SpanField.ID.bit : 0;
    m |= traceId != null ? SpanField.TRACE_ID.bit : 0;
    m |= parentSpanId != null ? SpanField.PARENT_SPAN_ID.bit : 0;
    m |= spanName != null ? SpanField.SPAN_NAME.bit : 0;
    m |= hasStart ? SpanField.START_TIME.bit : 0;
    m |= hasEnd ? SpanField.END_TIME.bit : 0;
    m |= hasDuration ? SpanField.DURATION_MS.bit : 0;
    m |= tenantId != null ? SpanField.TENANT_ID.bit : 0;
    m |= ticketId != null ? SpanField.TICKET_ID.bit : 0;
    m |= agentId != null ? SpanField.AGENT_ID.bit : 0;
    return m;
  }
}
