package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.ReadScope;
import dev.swarm.pipeline.storage.SqliteReadSql;
import dev.swarm.pipeline.storage.StoredSpan;
import dev.swarm.pipeline.storage.TraceKey;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.TraceReadSql;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reads of the Zipkin- and Tempo-compatible APIs, over the query API's reader pool: services and span names
 * (V3 tables), trace search by service, and one trace by id. SQL runs on the pool's workers, rendering in
 * {@code executeBlocking}. The SQL is written once, in the dialect of the native service ({@link TraceReadSql}).
 */
public final class CompatQueryService {

  /** The statements that do not depend on the request, in a dialect's {@code ?} form. */
  record Statements(String services, String servicesOfTenant, String spanNames, String spanNamesOfTenant,
      String findTrace, String findTraceOfTenant, String spansOfTrace, String spansOfTraces) {

    // Each read comes in two forms: of one tenant (the caller's; the tenant filters inside the query) and of every
    // tenant (authentication off, or a token of every tenant).
    static Statements of(TraceReadSql sql) {
      String spanColumns = sql.spanColumns("a.");
      return new Statements(
          "SELECT DISTINCT service_name FROM service_span_names ORDER BY service_name",
          "SELECT service_name FROM service_span_names WHERE tenant_id = ? GROUP BY service_name ORDER BY service_name",
          "SELECT DISTINCT span_name FROM service_span_names WHERE service_name = ? ORDER BY span_name",
          "SELECT span_name FROM service_span_names WHERE tenant_id = ? AND service_name = ? ORDER BY span_name",
          // Of the candidate ids (the forms of one requested id), the trace with the most spans.
          "SELECT trace_id, tenant_id FROM trace_summaries WHERE trace_id IN (" + sql.textsOf() + ")"
              + " ORDER BY span_count DESC, tenant_id LIMIT 1",
          "SELECT trace_id, tenant_id FROM trace_summaries WHERE trace_id IN (" + sql.textsOf() + ")"
              + " AND tenant_id = ? ORDER BY span_count DESC LIMIT 1",
          "SELECT " + spanColumns
              + " FROM agent_traces a WHERE a.trace_id = ? AND a.tenant_id = ? ORDER BY a.start_time, a.id LIMIT ?",
          // Spans of several traces, in the order of the key list (newest trace first), so a cap cuts the oldest.
          "SELECT " + spanColumns + ", j.key FROM " + sql.keyRows()
              + " JOIN agent_traces a ON a.trace_id = j.value ->> 0 AND a.tenant_id = j.value ->> 1"
              + " ORDER BY j.key, a.start_time, a.id LIMIT ?");
    }

    Statements numbered(TraceReadSql sql) {
      return new Statements(sql.sql(services), sql.sql(servicesOfTenant), sql.sql(spanNames),
          sql.sql(spanNamesOfTenant), sql.sql(findTrace), sql.sql(findTraceOfTenant), sql.sql(spansOfTrace),
          sql.sql(spansOfTraces));
    }
  }

  /** The rows of candidate {@code c}'s trace in {@code agent_traces a}. */
  private static final String OWN_ROWS = "a.trace_id = c.trace_id AND a.tenant_id = c.tenant_id";

  private final Vertx vertx;
  private final Pool pool;
  private final Pool scanPool;
  private final Pool pointPool;
  private final int maxSpans;
  private final TraceReadSql readSql;
  private final Statements statements;

  /**
   * @param base the native query API's service: its reader pool, its SQL dialect, and its span cap (most spans of
   *     one trace, and most spans of one trace search answer)
   */
  public CompatQueryService(TraceQueryService base) {
    this.vertx = base.vertx();
    this.pool = base.pools().searches();
    this.scanPool = base.pools().scans();
    this.pointPool = base.pools().pointReads();
    this.maxSpans = base.maxTraceSpans();
    this.readSql = base.readSql();
    this.statements = Statements.of(readSql).numbered(readSql);
  }

  /**
   * {@code ["svc-a","svc-b"]}.
   *
   * @param tenant the caller's tenant, or null for every tenant (so in every method here)
   */
  public Future<Buffer> services(String tenant) {
    Future<RowSet<Row>> rows = tenant == null ? pool.query(statements.services()).execute()
        : pool.preparedQuery(statements.servicesOfTenant()).execute(readSql.tuple(tenant));
    return rows.map(CompatQueryService::stringArray);
  }

  /** Span names of a service (lower-cased, as Zipkin lists them). */
  public Future<Buffer> spanNames(String service, String tenant) {
    Object key = readSql.indexKey(service);
    Future<RowSet<Row>> rows = tenant == null
        ? pool.preparedQuery(statements.spanNames()).execute(readSql.tuple(key))
        : pool.preparedQuery(statements.spanNamesOfTenant()).execute(readSql.tuple(tenant, key));
    return rows.map(CompatQueryService::stringArray);
  }

  /** The stored spans of a trace (at most the span cap, earliest first), or null when unknown. */
  public Future<List<StoredSpan>> trace(String requestedId, String tenant) {
    Object candidates = readSql.texts(CompatIds.lookupCandidates(requestedId));
    Future<RowSet<Row>> find = tenant == null
        ? pointPool.preparedQuery(statements.findTrace()).execute(readSql.tuple(candidates))
        : pointPool.preparedQuery(statements.findTraceOfTenant()).execute(readSql.tuple(candidates, tenant));
    return find.compose(found -> {
      if (found.size() == 0) {
        return Future.succeededFuture(null);
      }
      Row key = found.iterator().next();
      return pointPool.preparedQuery(statements.spansOfTrace())
          .execute(readSql.tuple(key.getString(0), key.getString(1), maxSpans))
          .map(CompatQueryService::spans);
    });
  }

  /** A trace as Zipkin JSON (an array of spans), or null when unknown. */
  public Future<Buffer> zipkinTrace(String requestedId, String tenant) {
    return trace(requestedId, tenant).compose(spans -> spans == null ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> render(gen -> ZipkinSpanJson.writeTrace(gen, spans)), false));
  }

  /** Zipkin's trace search: an array of traces, each an array of spans, newest first. */
  public Future<Buffer> zipkinTraces(ZipkinTraceQuery query, String tenant) {
    List<Object> params = new ArrayList<>();
    String sql = readSql.sql(searchSql(readSql, query, tenant, params));
    Pool lane = query.probesSpans() ? scanPool : pool;
    return lane.preparedQuery(sql).execute(readSql.tuple(params)).compose(ids -> {
      // A trace may be listed twice for a service (see V3): keep its newest place.
      java.util.Set<TraceKey> unique = new java.util.LinkedHashSet<>();
      for (Row r : ids) {
        unique.add(new TraceKey(r.getString(0), r.getString(1)));
      }
      if (unique.isEmpty()) {
        return Future.succeededFuture(Buffer.buffer("[]"));
      }
      return pool.preparedQuery(statements.spansOfTraces()).execute(readSql.tuple(readSql.keys(unique), maxSpans + 1))
          .compose(rows -> vertx.executeBlocking(() -> renderTraces(rows), false));
    });
  }

  /**
   * Trace ids matching the query, newest first; only traces with a root span and a Zipkin-readable id. Span
   * conditions and annotation queries probe each candidate trace's own rows, so they examine at most the newest
   * {@link TraceQueryService#SPAN_NAME_SCAN_TRACES} candidates: a rare or absent name or tag otherwise reads every
   * trace in the lookback (6.8 s on 2.9M spans in the probe that filed the hostile-clients issue). Zipkin's API has
   * no cursor, so past the bound the answer is simply shorter; a narrower lookback reaches older traces.
   */
  static String searchSql(ZipkinTraceQuery q, String tenant, List<Object> params) {
    return searchSql(SqliteReadSql.INSTANCE, q, tenant, params);
  }

  /**
   * {@link #searchSql(ZipkinTraceQuery, String, List)} in a dialect, with {@code ?} placeholders (before
   * {@link TraceReadSql#sql}); public for the backends' plan checks.
   */
  public static String searchSql(TraceReadSql dialect, ZipkinTraceQuery q, String tenant, List<Object> params) {
    StringBuilder candidates = new StringBuilder();
    String idColumn;
    String startColumn;
    if (q.serviceName() != null) {
      candidates.append("SELECT t.trace_id AS trace_id, t.tenant_id AS tenant_id, t.start_time AS start_time")
          .append(" FROM trace_services t JOIN trace_summaries s ON s.trace_id = t.trace_id AND s.tenant_id = t.tenant_id")
          .append(" WHERE t.service_name = ?");
      params.add(dialect.indexKey(q.serviceName()));
      idColumn = "t.trace_id";
      startColumn = "t.start_time";
    } else {
      candidates.append("SELECT s.trace_id AS trace_id, s.tenant_id AS tenant_id, s.start_time AS start_time")
          .append(" FROM trace_summaries s WHERE 1 = 1");
      idColumn = "s.trace_id";
      startColumn = "s.start_time";
    }
    if (tenant != null) {
      candidates.append(" AND s.tenant_id = ?");
      params.add(tenant);
    }
    candidates.append(" AND ").append(startColumn).append(" >= ? AND ").append(startColumn).append(" <= ?");
    params.add(dialect.time(
        Timestamps.formatIso(Math.max(Timestamps.MIN_EPOCH_MILLIS, q.endTsMillis() - q.lookbackMillis()))));
    params.add(dialect.time(Timestamps.formatIso(Math.min(Timestamps.MAX_EPOCH_MILLIS, q.endTsMillis()))));
    // Grafana's trace picker labels each trace by its root span; Zipkin readers parse ids as hex.
    candidates.append(" AND s.root_span_id IS NOT NULL AND length(").append(idColumn).append(") <= 32 AND ")
        .append(dialect.hexOnly(idColumn))
        .append(" ORDER BY ").append(startColumn).append(" DESC, ").append(idColumn).append(" DESC");
    StringBuilder probes = new StringBuilder();
    if (q.spanName() != null || q.minDurationMicros() != null || q.maxDurationMicros() != null) {
      // Span conditions hold for one span of the service, as in Zipkin.
      probes.append(" AND EXISTS (SELECT 1 FROM agent_traces a WHERE ").append(OWN_ROWS);
      if (q.serviceName() != null) {
        probes.append(" AND ").append(dialect.serviceOfSpan()).append(" = ?");
        params.add(q.serviceName());
      }
      if (q.spanName() != null) {
        probes.append(" AND ").append(dialect.lowerAscii("a.span_name")).append(" = ?");
        params.add(q.spanName());
      }
      if (q.minDurationMicros() != null) {
        probes.append(" AND a.duration_ms * 1000 >= ?");
        params.add(q.minDurationMicros());
      }
      if (q.maxDurationMicros() != null) {
        probes.append(" AND a.duration_ms * 1000 <= ?");
        params.add(q.maxDurationMicros());
      }
      probes.append(")");
    }
    for (ZipkinTraceQuery.Term term : q.annotationQuery()) {
      Object key = dialect.attributeKey(term.key());
      probes.append(" AND EXISTS (SELECT 1 FROM agent_traces a WHERE ").append(OWN_ROWS);
      if (term.value() != null) {
        probes.append(" AND ").append(dialect.attributeText()).append(" = ?)");
        params.add(key);
        params.add(term.value());
      } else if (term.key().equals("error")) {
        probes.append(" AND (a.status = 'error' OR ").append(dialect.attributeIsPresent()).append("))");
        params.add(key);
      } else {
        probes.append(" AND (").append(dialect.attributeIsPresent()).append(" OR ").append(dialect.eventNamed())
            .append("))");
        params.add(key);
        params.add(term.key());
      }
    }
    if (probes.length() > 0) {
      candidates.append(" LIMIT ").append(TraceQueryService.SPAN_NAME_SCAN_TRACES);
    }
    String sql = "SELECT c.trace_id, c.tenant_id FROM (" + candidates + ") c WHERE 1 = 1" + probes
        + " ORDER BY c.start_time DESC, c.trace_id DESC LIMIT ?";
    params.add(q.limit());
    return sql;
  }

  private Buffer renderTraces(RowSet<Row> rows) {
    Map<Long, List<StoredSpan>> byTrace = new LinkedHashMap<>();
    int n = 0;
    long lastKey = -1;
    for (Row r : rows) {
      lastKey = r.getLong(14);
      byTrace.computeIfAbsent(lastKey, k -> new ArrayList<>()).add(span(r));
      n++;
    }
    if (n > maxSpans) {
      byTrace.remove(lastKey); // cut by the cap: leave the incomplete trace out rather than send part of it
    }
    return render(gen -> {
      for (List<StoredSpan> trace : byTrace.values()) {
        gen.writeStartArray();
        ZipkinSpanJson.writeTrace(gen, trace);
        gen.writeEndArray();
      }
    }, true);
  }

  interface Body {
    void write(JsonGenerator gen) throws IOException;
  }

  /** A JSON array written by {@code body}. */
  static Buffer render(Body body) {
    return render(body, true);
  }

  private static Buffer render(Body body, boolean array) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator gen = StoredAttributes.JSON.createGenerator(out)) {
      if (array) {
        gen.writeStartArray();
      }
      body.write(gen);
      if (array) {
        gen.writeEndArray();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(out.toByteArray());
  }

  private static Buffer stringArray(RowSet<Row> rows) {
    JsonArray out = new JsonArray();
    for (Row r : rows) {
      out.add(r.getString(0));
    }
    return out.toBuffer();
  }

  static List<StoredSpan> spans(RowSet<Row> rows) {
    List<StoredSpan> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      out.add(span(r));
    }
    return out;
  }

  private static StoredSpan span(Row r) {
    Object duration = r.getValue(8);
    return new StoredSpan(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
        r.getString(5), r.getString(6), r.getString(7), duration == null ? null : ((Number) duration).longValue(),
        ReadScope.shown(r.getString(9)), r.getString(10), r.getString(11), r.getString(12), r.getString(13));
  }
}
