package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Timestamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated trace search: every filter optional (null = any), results newest first.
 *
 * @param spanName traces with a span of this name
 * @param service traces with a span of this service ({@code service.name}, compared lower-cased; {@code unknown}
 *     for spans without one), as the Zipkin read lists them
 * @param attributes traces with, for each term, a span whose attribute {@code key} has {@code value} as text
 * @param status {@code error}: traces with at least one error span; {@code ok}: traces without one
 * @param fromTime inclusive lower bound on the trace's start_time, normalised ISO text
 * @param toTime exclusive upper bound on the trace's start_time, normalised ISO text
 * @param cursor continue after this position, or null for the first page
 */
public record TraceSearch(
    String tenantId,
    String ticketId,
    String agentId,
    String spanName,
    String service,
    List<Attribute> attributes,
    String status,
    Long minDurationMs,
    Long maxDurationMs,
    String fromTime,
    String toTime,
    Boolean complete,
    int limit,
    TraceCursor cursor) {

  /** One {@code attr=key=value} filter. */
  public record Attribute(String key, String value) {}

  public static final int DEFAULT_LIMIT = 20;

  /** {@code attr} filters per search at most. */
  public static final int MAX_ATTRIBUTE_FILTERS = 8;
  public static final int MAX_LIMIT = 1000;

  /** Longest accepted text filter value, in characters. */
  static final int MAX_VALUE_CHARS = 512;

  private static final Set<String> PARAMETERS = Set.of("tenant_id", "ticket_id", "agent_id", "span_name", "service",
      "attr", "status", "min_duration_ms", "max_duration_ms", "from", "to", "complete", "limit", "cursor");
  /** Parameters that may be given more than once. */
  private static final Set<String> REPEATABLE = Set.of("attr");
  /** An attribute key: what the stored attributes' JSON paths can name without quoting trouble. */
  private static final java.util.regex.Pattern ATTRIBUTE_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9_.:/-]{1,128}");

  /** The newest traces, no filter. */
  public static TraceSearch newest(int limit) {
    return new TraceSearch(null, null, null, null, null, List.of(), null, null, null, null, null, null, limit, null);
  }

  /**
   * Validates query parameters (name to all its values, as a request carries them).
   *
   * @throws InvalidQueryException naming every bad parameter: unknown, repeated, empty or malformed
   */
  public static TraceSearch parse(Map<String, List<String>> parameters) {
    List<QueryParameterError> errors = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : parameters.entrySet()) {
      if (!PARAMETERS.contains(e.getKey())) {
        errors.add(new QueryParameterError(e.getKey(), "unknown parameter; known: " + String.join(", ",
            PARAMETERS.stream().sorted().toList())));
      } else if (e.getValue().size() > 1 && !REPEATABLE.contains(e.getKey())) {
        errors.add(new QueryParameterError(e.getKey(), "given more than once"));
      }
    }
    Values v = new Values(parameters, errors);
    String tenant = v.text("tenant_id");
    String ticket = v.text("ticket_id");
    String agent = v.text("agent_id");
    String spanName = v.text("span_name");
    String service = v.text("service");
    if (service != null) {
      service = service.toLowerCase(java.util.Locale.ROOT);
    }
    List<Attribute> attributes = new ArrayList<>();
    List<String> attrValues = parameters.getOrDefault("attr", List.of());
    if (attrValues.size() > MAX_ATTRIBUTE_FILTERS) {
      errors.add(new QueryParameterError("attr", "at most " + MAX_ATTRIBUTE_FILTERS + " attribute filters"));
    } else {
      for (String term : attrValues) {
        int eq = term.indexOf('=');
        String key = eq < 0 ? term : term.substring(0, eq);
        if (eq <= 0 || !ATTRIBUTE_KEY.matcher(key).matches()) {
          errors.add(new QueryParameterError("attr", "must be key=value with a key of letters, digits and _.:/-"
              + " (at most 128): " + (term.length() > 64 ? term.substring(0, 64) + "…" : term)));
        } else if (term.length() - eq - 1 > MAX_VALUE_CHARS) {
          errors.add(new QueryParameterError("attr", "value longer than " + MAX_VALUE_CHARS + " characters"));
        } else {
          attributes.add(new Attribute(key, term.substring(eq + 1)));
        }
      }
    }
    String status = v.text("status");
    if (status != null && !status.equals("error") && !status.equals("ok")) {
      errors.add(new QueryParameterError("status", "must be error or ok"));
    }
    Long minDuration = v.number("min_duration_ms", 0, Long.MAX_VALUE);
    Long maxDuration = v.number("max_duration_ms", 0, Long.MAX_VALUE);
    if (minDuration != null && maxDuration != null && minDuration > maxDuration) {
      errors.add(new QueryParameterError("max_duration_ms", "must not be less than min_duration_ms"));
    }
    String from = v.time("from");
    String to = v.time("to");
    if (from != null && to != null && from.compareTo(to) >= 0) {
      errors.add(new QueryParameterError("to", "must be later than from"));
    }
    Boolean complete = null;
    String completeText = v.text("complete");
    if (completeText != null) {
      if (completeText.equals("true") || completeText.equals("false")) {
        complete = Boolean.valueOf(completeText);
      } else {
        errors.add(new QueryParameterError("complete", "must be true or false"));
      }
    }
    Long limit = v.number("limit", 1, MAX_LIMIT);
    TraceCursor cursor = null;
    String cursorText = v.text("cursor");
    if (cursorText != null) {
      try {
        cursor = TraceCursor.decode(cursorText);
      } catch (IllegalArgumentException e) {
        errors.add(new QueryParameterError("cursor", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidQueryException(errors);
    }
    return new TraceSearch(tenant, ticket, agent, spanName, service, List.copyOf(attributes), status, minDuration,
        maxDuration, from, to, complete, limit == null ? DEFAULT_LIMIT : limit.intValue(), cursor);
  }

  /**
   * A query parameter's text as a whole number from {@code min} to {@code max}, or null when it is not one (the
   * native search and the Zipkin query read their numbers with it).
   */
  public static Long integerIn(String text, long min, long max) {
    try {
      long n = Long.parseLong(text);
      return n >= min && n <= max ? Long.valueOf(n) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** True when answering probes each candidate trace's spans (span name, service, attributes): a scan. */
  public boolean probesSpans() {
    return spanName != null || service != null || !attributes.isEmpty();
  }

  /** Reads single parameter values, adding an error for each bad one. */
  private record Values(Map<String, List<String>> parameters, List<QueryParameterError> errors) {

    String text(String name) {
      List<String> values = parameters.get(name);
      if (values == null || values.isEmpty()) {
        return null;
      }
      String value = values.get(0);
      if (value.isEmpty()) {
        errors.add(new QueryParameterError(name, "must not be empty"));
        return null;
      }
      if (value.length() > MAX_VALUE_CHARS) {
        errors.add(new QueryParameterError(name, "longer than " + MAX_VALUE_CHARS + " characters"));
        return null;
      }
      return value;
    }

    Long number(String name, long min, long max) {
      String text = text(name);
      if (text == null) {
        return null;
      }
      Long n = integerIn(text, min, max);
      if (n == null) {
        errors.add(new QueryParameterError(name, max == Long.MAX_VALUE
            ? "must be an integer >= " + min : "must be an integer from " + min + " to " + max));
      }
      return n;
    }

    String time(String name) {
      String text = text(name);
      if (text == null) {
        return null;
      }
      try {
        return Timestamps.formatIso(Timestamps.parseIso(text));
      } catch (IllegalArgumentException e) {
        errors.add(new QueryParameterError(name, "must be an ISO-8601 date-time with offset, like"
            + " 2026-11-27T23:24:23.123Z (" + e.getMessage() + ")"));
        return null;
      }
    }
  }
}
