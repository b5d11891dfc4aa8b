package dev.swarm.pipeline.storage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads traces for the query API over the reader pool. SQL runs on the pool's worker threads; building and
 * writing a trace's tree runs in {@code executeBlocking}, so a large trace never holds up the event loop.
 * Responses are written with a streaming JsonGenerator straight into a buffer.
 *
 * <p>The SQL is written once; what differs between backends comes from a {@link TraceReadSql} ({@link SqliteReadSql}
 * unless another is given), so every backend's answer is rendered by the same code.
 */
public final class TraceQueryService {

  /** The span name of an LLM call (the tracer's SwarmSpans.LLM_GENERATE), whose {@code tokens} roll up. */
  public static final String LLM_SPAN = "llm.generate";

  /** Tenants listed beside a trace read without a tenant, when others use the same trace id. */
  static final int OTHER_TENANTS_LISTED = 20;

  /** The statements that do not depend on the request, in a dialect's {@code ?} form. */
  record Statements(String summaryOfTenant, String summariesOfId, String spansOfTrace, String rollUp) {

    static Statements of(TraceReadSql sql) {
      return new Statements(
          "SELECT " + sql.summaryColumns() + " FROM trace_summaries WHERE trace_id = ? AND tenant_id = ?",
          // Without a tenant (authentication off, or a token of every tenant): the trace id's trace with the most
          // spans; the others that share the id are named in other_tenants.
          "SELECT " + sql.summaryColumns() + " FROM trace_summaries WHERE trace_id = ?"
              + " ORDER BY span_count DESC, tenant_id LIMIT " + (OTHER_TENANTS_LISTED + 1),
          "SELECT " + sql.spanColumns("")
              + " FROM agent_traces WHERE trace_id = ? AND tenant_id = ? ORDER BY start_time, id LIMIT ?",
          "SELECT a.trace_id, a.tenant_id, " + sql.rollUpColumns() + " FROM " + sql.keyRows()
              + " JOIN agent_traces a ON a.trace_id = j.value ->> 0 AND a.tenant_id = j.value ->> 1"
              + " GROUP BY a.trace_id, a.tenant_id");
    }
  }

  /** The tree is written iteratively, so nesting as deep as the trace is fine; Jackson's default cap is 1000. */
  private static final JsonFactory JSON = new JsonFactoryBuilder()
      .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build())
      .build();

  private final Vertx vertx;
  private final ReadPools pools;
  private final int maxTraceSpans;
  private final TraceReadSql readSql;
  private final String summaryOfTenant;
  private final String summariesOfId;
  private final String spansOfTrace;
  private final String rollUp;

  /** One pool for every read, on SQLite. */
  public TraceQueryService(Vertx vertx, Pool readerPool, int maxTraceSpans) {
    this(vertx, ReadPools.single(readerPool), maxTraceSpans);
  }

  /**
   * @param pools the lanes of searches, scans and reads by id (see {@link ReadPools}); a full wait queue of a
   *     search lane is answered 503
   * @param maxTraceSpans a trace with more spans is answered with its first {@code maxTraceSpans} spans by
   *     start time and {@code "truncated": true}
   */
  public TraceQueryService(Vertx vertx, ReadPools pools, int maxTraceSpans) {
    this(vertx, pools, maxTraceSpans, SqliteReadSql.INSTANCE);
  }

  /**
   * On any backend.
   *
   * @param sql the backend's SQL where it differs from SQLite's; {@link SqliteReadSql#INSTANCE} on SQLite
   */
  public TraceQueryService(Vertx vertx, ReadPools pools, int maxTraceSpans, TraceReadSql sql) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.pools = Objects.requireNonNull(pools, "pools");
    if (maxTraceSpans <= 0) {
      throw new IllegalArgumentException("maxTraceSpans must be positive: " + maxTraceSpans);
    }
    this.maxTraceSpans = maxTraceSpans;
    this.readSql = Objects.requireNonNull(sql, "sql");
    Statements statements = Statements.of(sql);
    this.summaryOfTenant = sql.sql(statements.summaryOfTenant());
    this.summariesOfId = sql.sql(statements.summariesOfId());
    this.spansOfTrace = sql.sql(statements.spansOfTrace());
    this.rollUp = sql.sql(statements.rollUp());
  }

  /** The Vert.x instance, reader pool and span cap, for the compatible read APIs (Zipkin, Tempo) beside this one. */
  public Vertx vertx() {
    return vertx;
  }

  /** The reader lanes. */
  public ReadPools pools() {
    return pools;
  }

  public int maxTraceSpans() {
    return maxTraceSpans;
  }

  /** The backend's SQL, for the compatible read APIs beside this one. */
  public TraceReadSql readSql() {
    return readSql;
  }

  /**
   * The trace as the JSON document of {@code GET /api/traces/{trace_id}}; completes with null when the trace is
   * not stored.
   *
   * @param tenant the tenant whose trace is read; null for any tenant (the id's trace with the most spans)
   */
  public Future<Buffer> traceJson(String traceId, String tenant) {
    Pool pointReadPool = pools.pointReads();
    Future<RowSet<Row>> found = tenant == null
        ? pointReadPool.preparedQuery(summariesOfId).execute(readSql.tuple(traceId))
        : pointReadPool.preparedQuery(summaryOfTenant).execute(readSql.tuple(traceId, tenant));
    return found.compose(summaries -> {
      if (summaries.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row summary = summaries.iterator().next();
      List<String> otherTenants = new ArrayList<>();
      for (Row r : summaries) {
        if (r != summary) {
          otherTenants.add(r.getString("tenant_id"));
        }
      }
      return pointReadPool.preparedQuery(spansOfTrace)
          .execute(readSql.tuple(traceId, summary.getString("tenant_id"), maxTraceSpans + 1))
          .compose(spanRows -> vertx.executeBlocking(() -> renderTrace(summary, spanRows, otherTenants), false));
    });
  }

  /**
   * Traces a search that probes spans ({@code span_name}, {@code service}, {@code attr}) examines per request at
   * most, newest first: each condition is checked against each trace's own rows, so a value that is rare or
   * absent would otherwise read every summary (3.8 s on 2.9M spans in the probe that filed the hostile-clients
   * issue). Past it the page ends early with {@code "partial": true} and a cursor from where the scan stopped.
   */
  public static final int SPAN_NAME_SCAN_TRACES = 50_000;

  /**
   * The JSON document of {@code GET /api/traces?…}: {@code {"traces":[…],"next_cursor":…}}.
   *
   * @param tenant the only tenant searched (the caller's), or null for every tenant; filtered in the query
   */
  public Future<Buffer> searchJson(TraceSearch search, String tenant) {
    List<Object> params = new ArrayList<>();
    String sql = readSql.sql(searchSql(readSql, search, tenant, params));
    // Probing each candidate trace's rows is a scan: on its own lane.
    Pool readerPool = search.probesSpans() ? pools.scans() : pools.searches();
    return readerPool.preparedQuery(sql).execute(readSql.tuple(params)).compose(rows -> {
      Future<TraceCursor> scanStoppedAt = Future.succeededFuture(null);
      if (search.probesSpans() && rows.size() <= search.limit()) {
        // A short page: did the scan stop at its bound? Then say so, with a cursor past the traces it examined.
        List<Object> boundParams = new ArrayList<>();
        String bound = readSql.sql(scanBoundSql(readSql, search, tenant, boundParams));
        scanStoppedAt = readerPool.preparedQuery(bound).execute(readSql.tuple(boundParams)).map(last -> last.size() == 0
            ? null : new TraceCursor(last.iterator().next().getString(0), last.iterator().next().getString(1)));
      }
      return scanStoppedAt.compose(stoppedAt -> rollUps(readerPool, rows, search.limit())
          .map(rollUps -> renderSearch(search, rows, stoppedAt, rollUps)));
    });
  }

  /**
   * Spans read at most per search page for the roll-ups (services, LLM calls and tokens): traces of the page are
   * rolled up in order while their span counts fit, so a page of huge traces costs a bounded read; the rest carry
   * no roll-up fields.
   */
  public static final int ROLL_UP_SPANS = 50_000;

  /** Per trace of the page: services (sorted), LLM calls and tokens, from the traces' own rows. */
  private Future<Map<TraceKey, RollUp>> rollUps(Pool pool, RowSet<Row> rows, int limit) {
    List<TraceKey> ids = new ArrayList<>();
    long spans = 0;
    for (Row r : rows) {
      if (ids.size() == limit) {
        break;
      }
      Long n = asLong(r.getValue("span_count"));
      spans += n == null ? 0 : n;
      if (spans > ROLL_UP_SPANS) {
        break;
      }
      ids.add(keyOf(r));
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pool.preparedQuery(rollUp).execute(readSql.tuple(readSql.keys(ids))).map(out -> {
      Map<TraceKey, RollUp> byTrace = new HashMap<>();
      for (Row r : out) {
        String services = r.getString(2);
        List<String> names = new ArrayList<>();
        if (services != null) {
          new io.vertx.core.json.JsonArray(services).forEach(n -> names.add(String.valueOf(n)));
          names.sort(null);
        }
        Long calls = asLong(r.getValue(3));
        Long tokens = asLong(r.getValue(4));
        byTrace.put(new TraceKey(r.getString(0), r.getString(1)), new RollUp(names, calls == null ? 0 : calls, tokens == null ? 0 : tokens));
      }
      return byTrace;
    });
  }

  /** What a search answer adds to each summary from the trace's spans. */
  private record RollUp(List<String> services, long llmCalls, long llmTokens) {}

  /**
   * The search as SQL over trace_summaries (newest first, one row past the page to know if more follow). With
   * span conditions, the probes run over the newest {@link #SPAN_NAME_SCAN_TRACES} matching summaries only.
   */
  static String searchSql(TraceSearch search, String tenant, List<Object> params) {
    return searchSql(SqliteReadSql.INSTANCE, search, tenant, params);
  }

  /**
   * {@link #searchSql(TraceSearch, String, List)} in a dialect, with {@code ?} placeholders (before
   * {@link TraceReadSql#sql}); public for the backends' plan checks.
   */
  public static String searchSql(TraceReadSql dialect, TraceSearch search, String tenant, List<Object> params) {
    String where = filters(dialect, search, tenant, params);
    StringBuilder sql = new StringBuilder();
    if (search.probesSpans()) {
      sql.append("SELECT ").append(dialect.scanOuterColumns()).append(" FROM (SELECT ")
          .append(dialect.scanInnerColumns()).append(" FROM trace_summaries s WHERE ").append(where)
          .append(" ORDER BY s.start_time DESC, s.trace_id DESC LIMIT ").append(SPAN_NAME_SCAN_TRACES).append(") s WHERE 1 = 1");
      // Keyed probes into the trace's own rows of agent_traces (primary key prefix trace_id, tenant_id).
      if (search.spanName() != null) {
        sql.append(" AND EXISTS (SELECT 1 FROM agent_traces a WHERE ").append(OWN_ROWS).append(" AND a.span_name = ?)");
        params.add(search.spanName());
      }
      if (search.service() != null) {
        sql.append(" AND EXISTS (SELECT 1 FROM agent_traces a WHERE ").append(OWN_ROWS).append(" AND ")
            .append(dialect.serviceOfSpan()).append(" = ?)");
        params.add(search.service());
      }
      for (TraceSearch.Attribute a : search.attributes()) {
        sql.append(" AND EXISTS (SELECT 1 FROM agent_traces a WHERE ").append(OWN_ROWS)
            .append(" AND ").append(dialect.attributeText()).append(" = ?)");
        params.add(dialect.attributeKey(a.key()));
        params.add(a.value());
      }
    } else {
      sql.append("SELECT ").append(dialect.summaryColumns()).append(" FROM trace_summaries s WHERE ").append(where);
    }
    sql.append(" ORDER BY s.start_time DESC, s.trace_id DESC LIMIT ?");
    params.add(search.limit() + 1);
    return sql.toString();
  }

  /** The rows of summary {@code s}'s trace in {@code agent_traces a}. */
  private static final String OWN_ROWS = "a.trace_id = s.trace_id AND a.tenant_id = s.tenant_id";

  /**
   * Where a bounded scan of the search stops: the position of the last trace it may examine, when there are that
   * many ({@code ?} placeholders); public for the backends' plan checks.
   */
  public static String scanBoundSql(TraceReadSql dialect, TraceSearch search, String tenant, List<Object> params) {
    return "SELECT " + dialect.cursorColumns() + " FROM trace_summaries s WHERE "
        + filters(dialect, search, tenant, params)
        + " ORDER BY s.start_time DESC, s.trace_id DESC LIMIT 1 OFFSET " + (SPAN_NAME_SCAN_TRACES - 1);
  }

  /** The WHERE clause of every filter but those that probe spans; {@code tenant} (the caller's) first. */
  private static String filters(TraceReadSql dialect, TraceSearch search, String tenant, List<Object> params) {
    StringBuilder sql = new StringBuilder("1 = 1");
    if (tenant != null) {
      sql.append(" AND s.tenant_id = ?");
      params.add(tenant);
    }
    if (search.tenantId() != null) {
      sql.append(" AND s.tenant_id = ?");
      params.add(search.tenantId());
    }
    if (search.ticketId() != null) {
      sql.append(" AND s.ticket_id = ?");
      params.add(search.ticketId());
    }
    if (search.agentId() != null) {
      sql.append(" AND s.agent_id = ?");
      params.add(search.agentId());
    }
    if ("error".equals(search.status())) {
      sql.append(" AND s.error_count > 0");
    } else if ("ok".equals(search.status())) {
      sql.append(" AND s.error_count = 0");
    }
    if (search.minDurationMs() != null) {
      sql.append(" AND s.duration_ms >= ?");
      params.add(search.minDurationMs());
    }
    if (search.maxDurationMs() != null) {
      sql.append(" AND s.duration_ms <= ?");
      params.add(search.maxDurationMs());
    }
    if (search.fromTime() != null) {
      sql.append(" AND s.start_time >= ?");
      params.add(dialect.time(search.fromTime()));
    }
    if (search.toTime() != null) {
      sql.append(" AND s.start_time < ?");
      params.add(dialect.time(search.toTime()));
    }
    if (search.complete() != null) {
      sql.append(" AND ").append(dialect.completeIs(search.complete()));
    }
    if (search.cursor() != null) {
      sql.append(" AND (s.start_time, s.trace_id) < (?, ?)");
      params.add(dialect.time(search.cursor().startTime()));
      params.add(search.cursor().traceId());
    }
    return sql.toString();
  }

  private Buffer renderTrace(Row summary, RowSet<Row> spanRows, List<String> otherTenants) throws IOException {
    List<StoredSpan> spans = new ArrayList<>(Math.min(spanRows.size(), maxTraceSpans));
    for (Row r : spanRows) {
      if (spans.size() == maxTraceSpans) {
        break;
      }
      spans.add(new StoredSpan(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
          r.getString(5), r.getString(6), r.getString(7), asLong(r.getValue(8)), ReadScope.shown(r.getString(9)),
          r.getString(10), r.getString(11), r.getString(12), r.getString(13)));
    }
    boolean truncated = spanRows.size() > maxTraceSpans;
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024 + 700 * spans.size());
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("trace_id", summary.getString("trace_id"));
      gen.writeBooleanField("complete", asLong(summary.getValue("complete")) == 1L);
      gen.writeStringField("verdict", summary.getString("verdict"));
      writeNumber(gen, "span_count", summary.getValue("span_count"));
      writeNumber(gen, "orphan_count", summary.getValue("orphan_count"));
      writeNumber(gen, "root_count", summary.getValue("root_count"));
      writeNumber(gen, "cycle_count", summary.getValue("cycle_count"));
      writeNumber(gen, "error_count", summary.getValue("error_count"));
      writeLateSpans(gen, summary);
      writeNumber(gen, "duration_ms", summary.getValue("duration_ms"));
      writeText(gen, "start_time", summary.getString("start_time"));
      writeText(gen, "end_time", summary.getString("end_time"));
      writeText(gen, "tenant_id", ReadScope.shown(summary.getString("tenant_id")));
      writeText(gen, "ticket_id", summary.getString("ticket_id"));
      writeText(gen, "agent_id", summary.getString("agent_id"));
      if (truncated) {
        gen.writeBooleanField("truncated", true);
      }
      if (!otherTenants.isEmpty()) {
        // Read without a tenant, and other tenants use this trace id too: say which ("" = spans naming none).
        gen.writeArrayFieldStart("other_tenants");
        for (String t : otherTenants) {
          gen.writeString(t);
        }
        gen.writeEndArray();
      }
      new TraceTreeWriter(spans).writeFields(gen);
      gen.writeEndObject();
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** @param scanStoppedAt where a bounded span-name scan stopped on a short page, else null */
  private static Buffer renderSearch(TraceSearch search, RowSet<Row> rows, TraceCursor scanStoppedAt,
      Map<TraceKey, RollUp> rollUps) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 400 * rows.size());
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeArrayFieldStart("traces");
      int written = 0;
      Row last = null;
      for (Row r : rows) {
        if (written == search.limit()) {
          break;
        }
        writeSummary(gen, r, rollUps.get(keyOf(r)));
        last = r;
        written++;
      }
      gen.writeEndArray();
      if (rows.size() > search.limit() && last != null) {
        gen.writeStringField("next_cursor",
            new TraceCursor(last.getString("start_time"), last.getString("trace_id")).encode());
      } else if (scanStoppedAt != null) {
        gen.writeStringField("next_cursor", scanStoppedAt.encode());
        gen.writeBooleanField("partial", true);
      } else {
        gen.writeNullField("next_cursor");
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static void writeSummary(JsonGenerator gen, Row r, RollUp rollUp) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("trace_id", r.getString("trace_id"));
    writeText(gen, "tenant_id", ReadScope.shown(r.getString("tenant_id")));
    writeText(gen, "ticket_id", r.getString("ticket_id"));
    writeText(gen, "agent_id", r.getString("agent_id"));
    writeText(gen, "root_span_id", r.getString("root_span_id"));
    writeText(gen, "root_span_name", r.getString("root_span_name"));
    writeText(gen, "start_time", r.getString("start_time"));
    writeText(gen, "end_time", r.getString("end_time"));
    writeNumber(gen, "duration_ms", r.getValue("duration_ms"));
    writeNumber(gen, "span_count", r.getValue("span_count"));
    writeNumber(gen, "error_count", r.getValue("error_count"));
    writeNumber(gen, "orphan_count", r.getValue("orphan_count"));
    writeNumber(gen, "root_count", r.getValue("root_count"));
    writeNumber(gen, "cycle_count", r.getValue("cycle_count"));
    writeLateSpans(gen, r);
    gen.writeBooleanField("complete", asLong(r.getValue("complete")) == 1L);
    gen.writeStringField("verdict", r.getString("verdict"));
    writeText(gen, "first_seen", r.getString("first_seen"));
    writeText(gen, "emitted_at", r.getString("emitted_at"));
    writeText(gen, "updated_at", r.getString("updated_at"));
    if (rollUp != null) {
      gen.writeArrayFieldStart("services");
      for (String service : rollUp.services()) {
        gen.writeString(service);
      }
      gen.writeEndArray();
      gen.writeNumberField("llm_calls", rollUp.llmCalls());
      gen.writeNumberField("llm_tokens", rollUp.llmTokens());
    }
    gen.writeEndObject();
  }

  /**
   * {@code late_spans}: spans the trace gained after storage first wrote it (late spans merged in), when known
   * (traces written before V6 do not say).
   */
  private static void writeLateSpans(JsonGenerator gen, Row summary) throws IOException {
    Long first = asLong(summary.getValue("first_span_count"));
    Long now = asLong(summary.getValue("span_count"));
    if (first != null && now != null) {
      gen.writeNumberField("late_spans", Math.max(0, now - first));
    }
  }

  private static void writeText(JsonGenerator gen, String field, String value) throws IOException {
    if (value != null) {
      gen.writeStringField(field, value);
    }
  }

  private static void writeNumber(JsonGenerator gen, String field, Object value) throws IOException {
    Long n = asLong(value);
    if (n != null) {
      gen.writeNumberField(field, n);
    }
  }

  private static TraceKey keyOf(Row summary) {
    return new TraceKey(summary.getString("trace_id"), summary.getString("tenant_id"));
  }

  private static Long asLong(Object value) {
    return value == null ? null : ((Number) value).longValue();
  }
}
