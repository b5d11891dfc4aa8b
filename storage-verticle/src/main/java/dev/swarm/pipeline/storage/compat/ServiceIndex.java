package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.ReadScope;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the tables of V3 (per tenant since V7) ({@code service_span_names}, {@code trace_services}) that the Zipkin read API searches
 * by service, from the spans of each batch the writer stores. Called by the writer inside its transaction.
 *
 * <p>Pairs already written are remembered (a bounded set, cleared when full) so a steady stream of the same
 * services and span names costs no statement after the first. Not thread-safe: the one writer uses it.
 */
public final class ServiceIndex {

  /** The service of spans without a {@code service.name} attribute (Grafana shows the same word for them). */
  public static final String UNKNOWN_SERVICE = dev.swarm.pipeline.schema.InteropAttributes.UNKNOWN_SERVICE;

  /** A span's service in SQL, over {@code agent_traces a}: lower-cased {@code service.name}, else unknown. */
  public static final String SQL_SERVICE_OF_SPAN =
      "coalesce(lower(json_extract(a.attributes, '$.\"" + dev.swarm.pipeline.schema.InteropAttributes.SERVICE_NAME
          + "\"')), '" + UNKNOWN_SERVICE + "')";

  /** Span names kept per service; past it new names of that service are not listed (spans are still stored). */
  public static final int MAX_SPAN_NAMES_PER_SERVICE = 1000;

  /** Remembered (service, span name) pairs before the memory is cleared. */
  static final int MAX_REMEMBERED_PAIRS = 20_000;

  static final String INSERT_SPAN_NAME = "INSERT OR IGNORE INTO service_span_names (tenant_id, service_name, span_name)"
      + " SELECT ?, ?, ? WHERE (SELECT count(*) FROM service_span_names WHERE tenant_id = ? AND service_name = ?) < "
      + MAX_SPAN_NAMES_PER_SERVICE;

  static final String INSERT_TRACE_SERVICE = "INSERT OR IGNORE INTO trace_services (service_name, trace_id, tenant_id,"
      + " start_time) VALUES (?, ?, ?, ?)";

  private static final JsonFactory JSON = new JsonFactory();
  private static final String SERVICE_KEY = dev.swarm.pipeline.schema.InteropAttributes.SERVICE_NAME;

  private final Set<String> rememberedPairs = new HashSet<>();

  /** The earliest span of a service in a trace (of one tenant). */
  private static final class TraceService {
    final String service;
    final String traceId;
    final String tenant;
    long start = Long.MAX_VALUE;

    TraceService(String service, String traceId, String tenant) {
      this.service = service;
      this.traceId = traceId;
      this.tenant = tenant;
    }
  }

  /** The rows one batch adds. */
  public static final class Rows {
    public final List<Tuple> spanNames = new ArrayList<>();
    public final List<Tuple> traceServices = new ArrayList<>();
    final List<String> pairKeys = new ArrayList<>();
  }

  /** The index rows for these spans (spans of one batch). */
  public Rows rows(Iterable<Span> spans) {
    Rows rows = new Rows();
    Set<String> pairs = new LinkedHashSet<>();
    Map<String, TraceService> traceServices = new HashMap<>();
    for (Span s : spans) {
      String service = serviceOf(s.attributesJson());
      String spanName = s.spanName().toLowerCase(Locale.ROOT);
      String tenant = ReadScope.stored(s.tenantId());
      String pairKey = tenant + '\n' + service + '\n' + spanName;
      if (!rememberedPairs.contains(pairKey) && pairs.add(pairKey)) {
        rows.spanNames.add(Tuple.of(tenant, service, spanName, tenant, service));
        rows.pairKeys.add(pairKey);
      }
      TraceService row = traceServices.computeIfAbsent(tenant + '\n' + service + '\n' + s.traceId(),
          k -> new TraceService(service, s.traceId(), tenant));
      row.start = Math.min(row.start, s.startEpochMillis());
    }
    for (TraceService row : traceServices.values()) {
      rows.traceServices.add(Tuple.of(row.service, row.traceId, row.tenant, Timestamps.formatIso(row.start)));
    }
    return rows;
  }

  /** Writes the rows on the writer's connection (inside its transaction). */
  public static Future<Void> write(SqlConnection conn, Rows rows) {
    Future<?> names = rows.spanNames.isEmpty() ? Future.succeededFuture()
        : conn.preparedQuery(INSERT_SPAN_NAME).executeBatch(rows.spanNames);
    return names.compose(v -> rows.traceServices.isEmpty() ? Future.succeededFuture()
            : conn.preparedQuery(INSERT_TRACE_SERVICE).executeBatch(rows.traceServices))
        .mapEmpty();
  }

  /** After the transaction committed: its pairs need no statement next time. */
  public void committed(Rows rows) {
    if (rememberedPairs.size() + rows.pairKeys.size() > MAX_REMEMBERED_PAIRS) {
      rememberedPairs.clear();
    }
    rememberedPairs.addAll(rows.pairKeys);
  }

  /**
   * The lower-cased top-level {@code service.name} string of a span's attributes, or {@link #UNKNOWN_SERVICE}.
   * Spans without the key (most native ones) cost a substring search only.
   */
  public static String serviceOf(String attributesJson) {
    if (!attributesJson.contains("\"service.name\"")) {
      return UNKNOWN_SERVICE;
    }
    try (JsonParser p = JSON.createParser(attributesJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return UNKNOWN_SERVICE;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if (key.equals(SERVICE_KEY)) {
          return value == JsonToken.VALUE_STRING && !p.getText().isEmpty()
              ? p.getText().toLowerCase(Locale.ROOT) : UNKNOWN_SERVICE;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      return UNKNOWN_SERVICE; // stored attributes are valid JSON; nothing better to say
    }
    return UNKNOWN_SERVICE;
  }
}
