package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.TraceKey;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.TraceReadSql;
import dev.swarm.pipeline.storage.compat.ServiceIndex;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The query API's SQL on PostgreSQL (schema {@code db/postgres/V1__traces.sql}), giving SQLite's answers byte for byte
 * (TraceReadContract runs the same reads on both and compares them). For {@code new TraceQueryService(vertx, pools,
 * maxTraceSpans, PostgresReadSql.INSTANCE)} over vertx-pg-client pools.
 *
 * <ul>
 *   <li>Placeholders are numbered ({@code $1, $2, …}), as the server's protocol has them.
 *   <li>Times are {@code timestamptz}, rendered in SQL as the contract's ISO text in UTC (year 0000, which PostgreSQL
 *       calls 1 BC, included); time parameters are bound as {@code OffsetDateTime}, since PostgreSQL's text input
 *       refuses the year 0000 the contract allows. {@code complete} is a boolean, read as the integer 0 or 1.
 *   <li>Attributes and events are {@code json} and come back as the text stored; JSON functions read the
 *       {@code *_query} copy when there is one (V1), and a JSON value is read with SQLite's types and text
 *       ({@link SqliteValues}).
 *   <li>Text parameters go through {@link PostgresText#text}: a text value cannot hold U+0000, which the writer stores
 *       as U+FFFD, so a search for a name with U+0000 finds the name stored with U+FFFD instead of failing. Lists of
 *       keys are one JSON text parameter, as on SQLite, with the escapes PostgreSQL's JSON functions refuse replaced.
 *   <li>{@code lower} is ASCII-only, as SQLite's, whatever the database's collation ({@code COLLATE "C"}).
 *   <li>A service name looked up in the Zipkin service index is cut as the writer cut the index's keys (1,024 UTF-8
 *       bytes, {@link PostgresText#key}), so a longer one is found by its whole name.
 * </ul>
 *
 * <p>What still differs from SQLite, and why, is in storage-postgres/README.md ("The read side").
 *
 * <p>Order: the shared SQL sorts by ids and names as text, which is SQLite's byte order only under the C collation;
 * the database must be made with {@code LC_COLLATE=C} (as {@link PostgresServer} makes it) for the same order.
 */
public final class PostgresReadSql implements TraceReadSql {

  public static final PostgresReadSql INSTANCE = new PostgresReadSql();

  /** Attributes and events as PostgreSQL's JSON functions can read them. */
  private static final String ATTRIBUTES = "coalesce(a.attributes_query, a.attributes)";
  private static final String EVENTS = "coalesce(a.events_query, a.events)";

  private static final String SERVICE_OF_SPAN = "coalesce(lower(" + SqliteValues.text(ATTRIBUTES + " -> '"
      + dev.swarm.pipeline.schema.InteropAttributes.SERVICE_NAME + "'") + " COLLATE \"C\"), '"
      + ServiceIndex.UNKNOWN_SERVICE + "')";

  private final String summaryColumns;

  private PostgresReadSql() {
    summaryColumns = "trace_id, tenant_id, ticket_id, agent_id, root_span_id, root_span_name, "
        + iso("start_time") + " AS start_time, " + iso("end_time") + " AS end_time, duration_ms, span_count,"
        + " error_count, orphan_count, root_count, cycle_count, complete::int AS complete, verdict, "
        + iso("first_seen") + " AS first_seen, " + iso("emitted_at") + " AS emitted_at, " + iso("updated_at")
        + " AS updated_at, first_span_count";
  }

  /**
   * The timestamptz {@code column} as the contract's ISO text: UTC, milliseconds (the writer stores no finer time
   * except the write times, which SQLite also gives in milliseconds). Before year 1 PostgreSQL counts BC: 1 BC is the
   * contract's year 0000, the earliest it allows.
   */
  static String iso(String column) {
    return "CASE WHEN " + column + " < '0001-01-01 00:00:00+00' THEN '0000' || to_char(" + column
        + " AT TIME ZONE 'UTC', '-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') ELSE to_char(" + column
        + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') END";
  }

  /** {@code ?} placeholders numbered in order, except inside quoted literals and identifiers. */
  @Override
  public String sql(String withQuestionMarks) {
    StringBuilder out = new StringBuilder(withQuestionMarks.length() + 32);
    int n = 0;
    char quote = 0;
    for (int i = 0; i < withQuestionMarks.length(); i++) {
      char c = withQuestionMarks.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0; // a doubled quote closes and reopens: the same
        }
        out.append(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
        out.append(c);
      } else if (c == '?') {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unterminated quote in " + withQuestionMarks);
    }
    return out.toString();
  }

  @Override
  public Tuple tuple(List<Object> values) {
    List<Object> out = new ArrayList<>(values.size());
    for (Object v : values) {
      out.add(v instanceof String s ? PostgresText.text(s) : v);
    }
    return Tuple.wrap(out);
  }

  @Override
  public Object time(String isoText) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(Timestamps.parseIso(isoText)), ZoneOffset.UTC);
  }

  @Override
  public Object attributeKey(String key) {
    return key;
  }

  /** Cut to 1,024 UTF-8 bytes, as the writer cuts the index's keys (a B-tree entry's limit). */
  @Override
  public Object indexKey(String name) {
    return PostgresText.key(name);
  }

  @Override
  public Object keys(Collection<TraceKey> keys) {
    return queryable(TraceKey.json(keys));
  }

  @Override
  public Object texts(List<String> texts) {
    return queryable(new JsonArray(new ArrayList<Object>(texts)).encode());
  }

  /** JSON text PostgreSQL's JSON functions can read (an escaped NUL would fail the query). */
  private static String queryable(String json) {
    String copy = PostgresText.queryableJson(json);
    return copy == null ? json : copy;
  }

  @Override
  public String summaryColumns() {
    return summaryColumns;
  }

  @Override
  public String spanColumns(String q) {
    // Times under other names than the columns': "ORDER BY start_time" in the same statement must sort by the
    // column, not by its text.
    return q + "trace_id, " + q + "id, " + q + "parent_span_id, " + q + "span_name, " + q + "span_kind, " + q
        + "status, " + iso(q + "start_time") + " AS start_time_text, " + iso(q + "end_time") + " AS end_time_text, "
        + q + "duration_ms, " + q + "tenant_id, " + q + "ticket_id, " + q + "agent_id, " + q
        + "attributes::text AS attributes_text, " + q + "events::text AS events_text";
  }

  @Override
  public String cursorColumns() {
    return iso("s.start_time") + ", s.trace_id";
  }

  /** Rendered outside: the bounded scan's candidates keep their timestamptz, so the outer order is by time. */
  @Override
  public String scanOuterColumns() {
    return summaryColumns;
  }

  @Override
  public String scanInnerColumns() {
    return "*";
  }

  /** The partial index trace_summaries_incomplete is {@code WHERE NOT complete}: the same condition uses it. */
  @Override
  public String completeIs(boolean complete) {
    return complete ? "s.complete" : "NOT s.complete";
  }

  @Override
  public String keyRows() {
    return "json_array_elements(?::text::json) WITH ORDINALITY AS j(value, key)";
  }

  @Override
  public String textsOf() {
    return "SELECT json_array_elements_text(?::text::json)";
  }

  @Override
  public String serviceOfSpan() {
    return SERVICE_OF_SPAN;
  }

  @Override
  public String attributeText() {
    return SqliteValues.text(ATTRIBUTES + " -> ?::text");
  }

  @Override
  public String attributeIsPresent() {
    return "(" + ATTRIBUTES + " -> ?::text) IS NOT NULL"; // a JSON null is a value, as for SQLite's json_type
  }

  /** SQLite compares the name's SQL value: a string or an object's text can equal the text, a number never. */
  @Override
  public String eventNamed() {
    return "EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(" + EVENTS + ") = 'array' THEN " + EVENTS
        + " END) AS e(value) WHERE CASE WHEN json_typeof(e.value -> 'name') IN ('string', 'object', 'array')"
        + " THEN e.value ->> 'name' END = ?)";
  }

  @Override
  public String lowerAscii(String expr) {
    return "lower(" + expr + " COLLATE \"C\")";
  }

  @Override
  public String hexOnly(String column) {
    return column + " !~ '[^0-9a-fA-F]'";
  }

  /**
   * SQLite sums the tokens as 64-bit integers and fails the query on overflow; PostgreSQL sums in numeric, clamped to
   * 64 bits here (the only difference, and only past 9.2e18 tokens in one trace).
   */
  @Override
  public String rollUpColumns() {
    String llm = "a.span_name = '" + TraceQueryService.LLM_SPAN + "'";
    String tokens = "sum(CASE WHEN " + llm + " THEN " + SqliteValues.integer(ATTRIBUTES + " -> 'tokens'") + " END)";
    return "json_agg(DISTINCT " + SERVICE_OF_SPAN + ")::text, count(*) FILTER (WHERE " + llm + "),"
        + " CASE WHEN " + tokens + " > 9223372036854775807 THEN 9223372036854775807"
        + " WHEN " + tokens + " < -9223372036854775808 THEN -9223372036854775808 ELSE " + tokens + " END::int8";
  }
}
