package dev.swarm.pipeline.storage.compat;

import dev.swarm.pipeline.storage.TraceSearch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parameters of Zipkin's {@code GET /api/v2/traces}, validated, with Zipkin's defaults: {@code endTs} now,
 * {@code lookback} one day, {@code limit} 10. Durations are microseconds, times milliseconds. Unknown and repeated
 * parameters are refused (Zipkin ignores them, which hides a client's typo as an unfiltered answer).
 *
 * @param serviceName lower-cased, or null for any service
 * @param spanName lower-cased, or null for any ({@code all} also means any, as in Zipkin's UI)
 * @param annotationQuery terms joined by {@code and}: {@code key=value} (a tag/attribute with that value) or
 *     {@code key} (an attribute of that name, or an event of that name)
 */
public record ZipkinTraceQuery(
    String serviceName,
    String spanName,
    List<Term> annotationQuery,
    Long minDurationMicros,
    Long maxDurationMicros,
    long endTsMillis,
    long lookbackMillis,
    int limit) {

  public static final int DEFAULT_LIMIT = 10;
  public static final int MAX_LIMIT = 1000;
  public static final long DEFAULT_LOOKBACK_MS = 86_400_000L;

  /** True when answering probes the spans of each candidate trace (span conditions or an annotation query). */
  public boolean probesSpans() {
    return spanName != null || minDurationMicros != null || maxDurationMicros != null || !annotationQuery.isEmpty();
  }

  /** One annotationQuery term; {@code value} null = the key alone. */
  public record Term(String key, String value) {}

  /** The parameters of Zipkin's {@code GET /api/v2/traces}; {@code remoteServiceName} is accepted and ignored. */
  static final java.util.Set<String> PARAMETERS = java.util.Set.of("serviceName", "spanName", "annotationQuery",
      "minDuration", "maxDuration", "endTs", "lookback", "limit", "remoteServiceName");

  /** @throws IllegalArgumentException naming the bad parameter */
  public static ZipkinTraceQuery parse(Map<String, List<String>> params, long nowMillis) {
    for (Map.Entry<String, List<String>> p : params.entrySet()) {
      if (!PARAMETERS.contains(p.getKey())) {
        throw new IllegalArgumentException(p.getKey() + ": unknown parameter (known: "
            + String.join(", ", new java.util.TreeSet<>(PARAMETERS)) + ")");
      }
      if (p.getValue().size() > 1) {
        throw new IllegalArgumentException(p.getKey() + ": given more than once");
      }
    }
    String service = lower(first(params, "serviceName"));
    String span = lower(first(params, "spanName"));
    if ("all".equals(span)) {
      span = null;
    }
    Long min = number(params, "minDuration", 0, Long.MAX_VALUE / 1000);
    Long max = number(params, "maxDuration", 0, Long.MAX_VALUE / 1000);
    Long endTs = number(params, "endTs", 1, Long.MAX_VALUE);
    Long lookback = number(params, "lookback", 1, Long.MAX_VALUE);
    Long limit = number(params, "limit", 1, MAX_LIMIT);
    if (min != null && max != null && min > max) {
      throw new IllegalArgumentException("minDuration: must not exceed maxDuration (" + min + " > " + max + ")");
    }
    List<Term> terms = terms(first(params, "annotationQuery"));
    long end = endTs == null ? nowMillis : endTs;
    return new ZipkinTraceQuery(service, span, terms, min, max, end,
        lookback == null ? DEFAULT_LOOKBACK_MS : Math.min(lookback, end), limit == null ? DEFAULT_LIMIT : limit.intValue());
  }

  static List<Term> terms(String query) {
    List<Term> out = new ArrayList<>();
    if (query == null || query.isBlank()) {
      return out;
    }
    for (String raw : query.split(" and ")) {
      String term = raw.trim();
      if (term.isEmpty()) {
        continue;
      }
      int eq = term.indexOf('=');
      String key = eq < 0 ? term : term.substring(0, eq).trim();
      if (key.isEmpty() || key.indexOf('"') >= 0 || key.length() > 256) {
        throw new IllegalArgumentException("annotationQuery: bad key in '" + term + "'");
      }
      out.add(new Term(key, eq < 0 ? null : term.substring(eq + 1).trim()));
    }
    if (out.size() > 16) {
      throw new IllegalArgumentException("annotationQuery: at most 16 terms");
    }
    return out;
  }

  private static String first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    if (values == null || values.isEmpty() || values.get(0).isBlank()) {
      return null;
    }
    if (values.get(0).length() > 512) {
      throw new IllegalArgumentException(name + ": longer than 512 characters");
    }
    return values.get(0).trim();
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static Long number(Map<String, List<String>> params, String name, long min, long max) {
    String text = first(params, name);
    if (text == null) {
      return null;
    }
    Long n = TraceSearch.integerIn(text, min, max);
    if (n == null) {
      throw new IllegalArgumentException(name + ": must be an integer from " + min + " to " + max);
    }
    return n;
  }
}
