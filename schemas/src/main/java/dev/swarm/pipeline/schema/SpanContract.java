package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place the span contract's constants live: field names, id and time syntax, enums and fixed limits.
 *
 * <p>{@link SpanDecoder} validates with these, and a test holds {@code span.schema.json} to them, so the Java
 * validator and the JSON Schema users see cannot drift apart.
 */
public final class SpanContract {

  public static final String ID = "id";
  public static final String TRACE_ID = "trace_id";
  public static final String PARENT_SPAN_ID = "parent_span_id";
  public static final String SPAN_NAME = "span_name";
  public static final String SPAN_KIND = "span_kind";
  public static final String STATUS = "status";
  public static final String START_TIME = "start_time";
  public static final String END_TIME = "end_time";
  public static final String DURATION_MS = "duration_ms";
  public static final String TENANT_ID = "tenant_id";
  public static final String TICKET_ID = "ticket_id";
  public static final String AGENT_ID = "agent_id";
  public static final String ATTRIBUTES = "attributes";
  public static final String EVENTS = "events";

  /** Top-level span fields, in the order {@link SpanWriter} writes them ({@link SpanField}, where they are defined). */
  public static final List<String> FIELDS = Arrays.stream(SpanField.ALL).map(f -> f.wire).toList();

  public static final List<String> REQUIRED_FIELDS =
      Arrays.stream(SpanField.ALL).filter(f -> f.required).map(f -> f.wire).toList();

  /** Fields whose values follow {@link #ID_PATTERN}. */
  public static final List<String> ID_FIELDS =
      List.of(ID, TRACE_ID, PARENT_SPAN_ID, TICKET_ID, AGENT_ID);

  public static final String EVENT_NAME = "name";
  public static final String EVENT_TIME = "time";
  public static final String EVENT_ATTRIBUTES = "attributes";

  /** Event fields, in written order ({@link SpanField.Event}). */
  public static final List<String> EVENT_FIELDS = Arrays.stream(SpanField.Event.ALL).map(f -> f.wire).toList();

  public static final List<String> EVENT_REQUIRED_FIELDS =
      Arrays.stream(SpanField.Event.ALL).filter(f -> f.required).map(f -> f.wire).toList();

  /** The only key allowed in the {@code {"spans":[...]}} request wrapper. */
  public static final String BATCH_SPANS = "spans";

  /**
   * Kafka header on {@code swarm.spans} and {@code swarm.traces} records whose spans were validated and written in
   * the normalised form ({@link SpanWriter}) by the pipeline itself; value {@link #FORMAT_NORMALIZED}. Consumers
   * may then read the spans without validating them again. Records without it are validated in full.
   */
  public static final String FORMAT_HEADER = "swarm.span-format";

  public static final String FORMAT_NORMALIZED = "normalized-1";

  /**
   * Kafka header on {@code swarm.spans} records ingest writes: the byte length of each span object in the value, in
   * array order, as unsigned LEB128 varints ({@link SpanWriter.Written}). The aggregator then cuts the array into
   * spans without scanning it ({@link SpanScanner#scan(byte[], byte[], SpanScanner.Sink)}); a record without it, or
   * whose lengths do not fit the value, is scanned.
   */
  public static final String SPAN_LENGTHS_HEADER = "swarm.span-lengths";

  /** {@link #FORMAT_NORMALIZED} as header bytes. */
  public static byte[] formatNormalizedBytes() {
    return FORMAT_NORMALIZED.getBytes(StandardCharsets.US_ASCII);
  }

  /** Whether a header value (possibly null) marks normalised spans. */
  public static boolean isNormalized(byte[] headerValue) {
    return headerValue != null && Arrays.equals(headerValue, NORMALIZED_BYTES);
  }

  private static final byte[] NORMALIZED_BYTES = formatNormalizedBytes();

  public static final int MAX_ID_CHARS = 64;

  /** Ids: 1–64 characters of {@code [0-9A-Za-z._:-]}; ASCII only so they are safe as Kafka keys and in URLs. */
  public static final String ID_PATTERN = "^[0-9A-Za-z._:-]{1," + MAX_ID_CHARS + "}$";

  /**
   * Date-times: ISO-8601 / RFC 3339 with a mandatory UTC offset. Seconds and the fraction are optional, the
   * fraction may have any number of digits, {@code T}/{@code Z} may be lower case and the offset may be
   * {@code ±HH:MM}, {@code ±HHMM} or {@code ±HH}. Only the calendar (for example 30 February) is beyond a regex;
   * {@link Timestamps#parseIso} checks that too.
   */
  public static final String TIME_PATTERN =
      "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]"
          + "(:[0-5][0-9](\\.[0-9]+)?)?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$";

  /** Fixed, unlike the span name limit, because nothing has asked to tune it. */
  public static final int MAX_EVENT_NAME_CHARS = 256;

  public static final List<String> SPAN_KINDS =
      Arrays.stream(SpanKind.values()).map(SpanKind::wire).toList();

  public static final List<String> STATUSES =
      Arrays.stream(SpanStatus.values()).map(SpanStatus::wire).toList();

  /** Names clients commonly use for our fields (OpenTelemetry-ish or shortened), for did-you-mean hints. */
  private static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("spanid", ID),
          Map.entry("parentid", PARENT_SPAN_ID),
          Map.entry("parent", PARENT_SPAN_ID),
          Map.entry("name", SPAN_NAME),
          Map.entry("kind", SPAN_KIND),
          Map.entry("statuscode", STATUS),
          Map.entry("start", START_TIME),
          Map.entry("starttimestamp", START_TIME),
          Map.entry("timestamp", START_TIME),
          Map.entry("end", END_TIME),
          Map.entry("endtimestamp", END_TIME),
          Map.entry("duration", DURATION_MS),
          Map.entry("tenant", TENANT_ID),
          Map.entry("ticket", TICKET_ID),
          Map.entry("agent", AGENT_ID),
          Map.entry("attrs", ATTRIBUTES),
          Map.entry("tags", ATTRIBUTES));

  private static final Map<String, String> EVENT_ALIASES =
      Map.of("timestamp", EVENT_TIME, "attrs", EVENT_ATTRIBUTES, "eventname", EVENT_NAME);

  private SpanContract() {}

  /** True for characters allowed in ids ({@code [0-9A-Za-z._:-]}). */
  public static boolean isIdChar(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '.'
        || c == '_'
        || c == ':'
        || c == '-';
  }

  /** True when {@code text} is a valid id: same rule as {@link #ID_PATTERN}, without a regex. */
  public static boolean isValidId(String text) {
    int n = text.length();
    if (n == 0 || n > MAX_ID_CHARS) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!isIdChar(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The known top-level field an unknown name probably meant, or null. */
  public static String suggestSpanField(String unknown) {
    return suggest(unknown, FIELDS, ALIASES);
  }

  /** The known event field an unknown name probably meant, or null. */
  public static String suggestEventField(String unknown) {
    return suggest(unknown, EVENT_FIELDS, EVENT_ALIASES);
  }

  /**
   * Matches ignoring case and separators first ({@code traceId}, {@code TRACE-ID} → {@code trace_id}), then
   * known aliases, then small typos (edit distance ≤ 2, ≤ 1 for names of up to 4 letters).
   */
  private static String suggest(String unknown, List<String> known, Map<String, String> aliases) {
    String squashed = squash(unknown);
    for (String field : known) {
      if (squash(field).equals(squashed)) {
        return field;
      }
    }
    String alias = aliases.get(squashed);
    if (alias != null) {
      return alias;
    }
    String best = null;
    // Short names are one or two edits away from almost anything; only suggest for near misses.
    int bestDistance = squashed.length() <= 4 ? 2 : 3;
    for (String field : known) {
      int d = editDistance(squashed, squash(field), bestDistance);
      if (d < bestDistance) {
        bestDistance = d;
        best = field;
      }
    }
    return best;
  }

  private static String squash(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '_' && c != '-' && c != ' ' && c != '.') {
        sb.append(c);
      }
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  /** Levenshtein distance, giving up (returning {@code limit}) once it must reach {@code limit}. */
  private static int editDistance(String a, String b, int limit) {
    if (Math.abs(a.length() - b.length()) >= limit || a.length() > 100) {
      return limit;
    }
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      int rowMin = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
        rowMin = Math.min(rowMin, current[j]);
      }
      if (rowMin >= limit) {
        return limit;
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return Math.min(previous[b.length()], limit);
  }
}
