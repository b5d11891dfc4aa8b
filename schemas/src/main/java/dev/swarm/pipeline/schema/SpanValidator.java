package dev.swarm.pipeline.schema;

import java.util.List;
import java.util.Objects;

/**
 * The contract's rules for spans that were not decoded from contract JSON but built from another format (OTLP,
 * Zipkin): the same checks {@link SpanDecoder} applies, on values already in a {@link Span}.
 *
 * <p>What it cannot see inside {@code eventsJson} (each event's name, time and attributes size) the converter
 * checks while it builds the events, with {@link #nameProblem}, {@link #timeProblem} and the attribute byte limit.
 * Thread-safe.
 */
public final class SpanValidator {

  /** {@code end_time}'s message when it is before {@code start_time} (also {@link SpanDecoder}'s). */
  static final String END_BEFORE_START = "must not be before start_time";

  /** {@code duration_ms}'s message when it is negative (also {@link SpanDecoder}'s). */
  static final String NEGATIVE = "must not be negative";

  private final SpanLimits limits;

  public SpanValidator(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public SpanLimits limits() {
    return limits;
  }

  /**
   * Adds a {@link FieldError} to {@code out} for every rule the span breaks; adds nothing when it is valid.
   *
   * @param index the span's position in its request, for the errors
   */
  public void validate(Span span, int index, List<FieldError> out) {
    checkId(span.id(), index, SpanContract.ID, out);
    checkId(span.traceId(), index, SpanContract.TRACE_ID, out);
    if (span.parentSpanId() != null) {
      checkId(span.parentSpanId(), index, SpanContract.PARENT_SPAN_ID, out);
    }
    String name = nameProblem(span.spanName(), limits.maxSpanNameChars());
    if (name != null) {
      out.add(new FieldError(index, SpanContract.SPAN_NAME, name));
    }
    String start = timeProblem(span.startEpochMillis());
    if (start != null) {
      out.add(new FieldError(index, SpanContract.START_TIME, start));
    }
    if (span.endEpochMillis() != null) {
      String end = timeProblem(span.endEpochMillis());
      if (end != null) {
        out.add(new FieldError(index, SpanContract.END_TIME, end));
      } else if (span.endEpochMillis() < span.startEpochMillis()) {
        out.add(new FieldError(index, SpanContract.END_TIME, END_BEFORE_START));
      }
    }
    if (span.durationMs() != null && span.durationMs() < 0) {
      out.add(new FieldError(index, SpanContract.DURATION_MS, NEGATIVE));
    }
    if (span.tenantId() != null) {
      String tenant = TenantIds.problem(span.tenantId());
      if (tenant != null) {
        out.add(new FieldError(index, SpanContract.TENANT_ID, tenant));
      }
    }
    if (span.ticketId() != null) {
      checkId(span.ticketId(), index, SpanContract.TICKET_ID, out);
    }
    if (span.agentId() != null) {
      checkId(span.agentId(), index, SpanContract.AGENT_ID, out);
    }
    if (utf8Length(span.attributesJson()) > limits.maxAttributesBytes()) {
      out.add(new FieldError(index, SpanContract.ATTRIBUTES, attributesTooLarge(limits)));
    }
    if (span.eventCount() > limits.maxEventsPerSpan()) {
      out.add(new FieldError(index, SpanContract.EVENTS, tooManyEvents(limits)));
    }
  }

  /** The message of an attributes object (a span's or an event's) over the byte limit. */
  static String attributesTooLarge(SpanLimits limits) {
    return "must be at most " + limits.maxAttributesBytes() + " bytes as compact JSON";
  }

  /** The message of an events array over the limit. */
  static String tooManyEvents(SpanLimits limits) {
    return "at most " + limits.maxEventsPerSpan() + " events per span";
  }

  private static void checkId(String value, int index, String field, List<FieldError> out) {
    String problem = idProblem(value);
    if (problem != null) {
      out.add(new FieldError(index, field, problem));
    }
  }

  /** Why {@code value} is not a valid id ({@link SpanContract#ID_PATTERN}), or null when it is. */
  public static String idProblem(String value) {
    if (value == null) {
      return SpanDraft.REQUIRED;
    }
    if (SpanContract.isValidId(value)) {
      return null;
    }
    if (value.isEmpty()) {
      return "must not be empty";
    }
    if (value.length() > SpanContract.MAX_ID_CHARS) {
      return "must be at most " + SpanContract.MAX_ID_CHARS + " characters";
    }
    return "may only contain the characters [0-9A-Za-z._:-]";
  }

  /**
   * Why {@code value} is not a valid name (a span or event name: 1 to {@code maxChars} code points, no unpaired
   * UTF-16 surrogate), or null when it is.
   */
  public static String nameProblem(String value, int maxChars) {
    if (value == null) {
      return SpanDraft.REQUIRED;
    }
    if (value.isEmpty()) {
      return "must not be empty";
    }
    int codePoints = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "contains an unpaired UTF-16 surrogate";
      }
      codePoints++;
    }
    if (codePoints > maxChars) {
      return "must be at most " + maxChars + " characters";
    }
    return null;
  }

  /** Why a time is outside the supported range (years 0000 to 9999 in UTC), or null when it is inside. */
  public static String timeProblem(long epochMillis) {
    if (epochMillis < Timestamps.MIN_EPOCH_MILLIS || epochMillis > Timestamps.MAX_EPOCH_MILLIS) {
      return "date-time is outside the supported range (years 0000–9999 in UTC)";
    }
    return null;
  }

  /** UTF-8 length without encoding (the attribute limit counts bytes, as a client would). */
  static int utf8Length(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          bytes += 2; // 4 bytes for the pair, 2 chars counted already
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }
}
