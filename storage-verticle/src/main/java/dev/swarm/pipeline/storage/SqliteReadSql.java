package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.storage.compat.ServiceIndex;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The query API's SQL on SQLite: the statements as they were before {@link TraceReadSql} existed, piece for piece
 * (checked against a recording of them by SqliteReadSqlTest), so SQLite's plans cannot change. Times are stored as
 * the contract's ISO text, {@code complete} as 0/1 and JSON as text, so columns are read as they are; JSON is read
 * with SQLite's JSON functions, and lists of keys travel as one JSON text parameter.
 */
public final class SqliteReadSql implements TraceReadSql {

  public static final SqliteReadSql INSTANCE = new SqliteReadSql();

  private static final String SUMMARY_COLUMNS = "trace_id, tenant_id, ticket_id, agent_id, root_span_id,"
      + " root_span_name, start_time, end_time, duration_ms, span_count, error_count, orphan_count, root_count,"
      + " cycle_count, complete, verdict, first_seen, emitted_at, updated_at, first_span_count";

  private static final String[] SPAN_COLUMNS = {"trace_id", "id", "parent_span_id", "span_name", "span_kind", "status",
      "start_time", "end_time", "duration_ms", "tenant_id", "ticket_id", "agent_id", "attributes", "events"};

  private SqliteReadSql() {}

  @Override
  public String sql(String withQuestionMarks) {
    return withQuestionMarks;
  }

  @Override
  public Tuple tuple(List<Object> values) {
    return Tuple.wrap(values);
  }

  @Override
  public Object time(String isoText) {
    return isoText; // stored as the same text, which sorts like the instant
  }

  @Override
  public Object attributeKey(String key) {
    return "$.\"" + key + "\"";
  }

  @Override
  public Object indexKey(String name) {
    return name; // kept whole
  }

  @Override
  public Object keys(Collection<TraceKey> keys) {
    return TraceKey.json(keys);
  }

  @Override
  public Object texts(List<String> texts) {
    return new JsonArray(new ArrayList<Object>(texts)).encode();
  }

  @Override
  public String summaryColumns() {
    return SUMMARY_COLUMNS;
  }

  @Override
  public String spanColumns(String qualifier) {
    StringBuilder out = new StringBuilder();
    for (String column : SPAN_COLUMNS) {
      out.append(out.length() == 0 ? "" : ", ").append(qualifier).append(column);
    }
    return out.toString();
  }

  @Override
  public String cursorColumns() {
    return "s.start_time, s.trace_id";
  }

  @Override
  public String scanOuterColumns() {
    return "*";
  }

  @Override
  public String scanInnerColumns() {
    return SUMMARY_COLUMNS;
  }

  @Override
  public String completeIs(boolean complete) {
    // A literal, not a parameter: SQLite uses the partial index trace_summaries_incomplete (V5) only then.
    return complete ? "s.complete = 1" : "s.complete = 0";
  }

  @Override
  public String keyRows() {
    return "json_each(?) j";
  }

  @Override
  public String textsOf() {
    return "SELECT value FROM json_each(?)";
  }

  @Override
  public String serviceOfSpan() {
    return ServiceIndex.SQL_SERVICE_OF_SPAN;
  }

  @Override
  public String attributeText() {
    return "CAST(json_extract(a.attributes, ?) AS TEXT)";
  }

  @Override
  public String attributeIsPresent() {
    return "json_type(a.attributes, ?) IS NOT NULL";
  }

  @Override
  public String eventNamed() {
    return "EXISTS (SELECT 1 FROM json_each(a.events) e WHERE json_extract(e.value, '$.name') = ?)";
  }

  @Override
  public String lowerAscii(String expr) {
    return "lower(" + expr + ")";
  }

  @Override
  public String hexOnly(String column) {
    return column + " NOT GLOB '*[^0-9a-fA-F]*'";
  }

  @Override
  public String rollUpColumns() {
    String llm = "a.span_name = '" + TraceQueryService.LLM_SPAN + "'";
    return "json_group_array(DISTINCT " + serviceOfSpan() + "), sum(" + llm + "), sum(CASE WHEN " + llm
        + " THEN CAST(json_extract(a.attributes, '$.tokens') AS INTEGER) END)";
  }
}
