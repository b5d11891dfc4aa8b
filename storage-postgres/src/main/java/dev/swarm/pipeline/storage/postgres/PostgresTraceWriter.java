package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.ReadScope;
import dev.swarm.pipeline.storage.SpanFacts;
import dev.swarm.pipeline.storage.TraceBatchWriter;
import dev.swarm.pipeline.storage.TraceParts;
import dev.swarm.pipeline.storage.TraceKey;
import dev.swarm.pipeline.storage.TraceSummary;
import dev.swarm.pipeline.storage.TraceTenants;
import dev.swarm.pipeline.storage.WriteResult;
import dev.swarm.pipeline.storage.compat.ServiceIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a batch of trace messages to PostgreSQL (schema {@code db/postgres/V1__traces.sql}) in ONE transaction, with
 * the observable semantics of storage-verticle's SQLite {@code TraceWriter}: all span rows upserted (a replayed span
 * updates its row and never duplicates, the newest values win) and one summary per trace. A span is (trace id, tenant,
 * span id) and a trace (trace id, tenant): a span naming another tenant never replaces a row or a summary of this one.
 * Spans that name no tenant join their trace's ({@link TraceTenants}).
 *
 * <p>A trace seen for the first time with a non-late verdict gets its summary from the message (the aggregator's
 * counts). A trace that already has a summary, gets a late update, or appears twice in the batch has its summary
 * recomputed from all its stored spans after the upsert, inside the same transaction, so late spans merge and the
 * verdict is recomputed ({@link TraceSummary}).
 *
 * <p>What PostgreSQL adds (storage-postgres/README.md): every key holds the partition key {@code start_time}, so a
 * span of a stored trace is first deleted under any other start time (a client that sends a span again with another
 * start), and a stored summary is changed by {@code UPDATE}, which may move it to another day's partition; the same
 * span twice in one batch is written once, with its last values; attributes and events are stored as sent in
 * {@code json} columns, with a readable copy for the rare ones PostgreSQL's JSON functions refuse
 * ({@link PostgresText}). Each transaction first takes a transaction-level advisory lock per trace id of the batch
 * ({@link #LOCK_TRACES}), in ascending order of a 64-bit hash of the id, before it reads anything: writers of
 * different traces never wait for each other, two writers of one trace (a Kafka rebalance) take turns on it, and two
 * batches can never deadlock (storage-postgres/README.md, "Several writers on one database").
 *
 * <p>Statements: one {@code INSERT … SELECT FROM unnest($1::text[], …)} per table and batch (array parameters: one
 * prepared statement whatever the batch size, no parameter limit), on a vertx-pg-client {@link Pool}. Not thread-safe
 * and not for concurrent calls: one write at a time, as the SQLite writer.
 */
public final class PostgresTraceWriter implements TraceBatchWriter {

  /**
   * The start of every transaction: the planner told that the writer only probes keys. Every read and join of the writer is a probe
   * of a key index by a batch's worth of keys; without this, a plan made while a day's partition was small (a new
   * day, statistics not yet gathered) scans the whole partition for every batch: measured, the lookup of stored
   * summaries grew to 75 ms a batch at 10,000 summaries, ~1 ms as index probes.
   */
  static final String BEGIN = "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off;"
      + " SET LOCAL enable_mergejoin = off";

  /**
   * Then, before the first read, one transaction-level advisory lock per distinct {@link #lockKey} of the batch's
   * trace ids, taken one after the other in ascending order (the array comes sorted and distinct, and {@code unnest}
   * of one array is read in its order; the ORDER BY only restates it), held until commit or rollback. A statement of
   * its own: READ COMMITTED takes each statement's snapshot when the statement starts, so the reads that follow see
   * what the previous holder of a lock committed.
   */
  static final String LOCK_TRACES = "SELECT pg_advisory_xact_lock(k) FROM unnest($1::int8[]) AS k ORDER BY k";

  /**
   * Taken first by every batch, after {@link #BEGIN} in its round trip: shared by a batch that locks its traces, so
   * those never wait for each other on it; exclusive by a batch of more than {@code maxTraceLocks} distinct traces,
   * which instead of one lock per trace (each takes a slot of the server's lock table, sized by
   * {@code max_locks_per_transaction}; "out of shared memory", 53200, when full) waits until no other batch is
   * running and keeps all others out until it ends. Always before the trace locks, so it adds no deadlock.
   */
  static final String WHOLE_DATABASE_SHARED = "SELECT pg_advisory_xact_lock_shared(1398230356, 1)";
  static final String WHOLE_DATABASE = "SELECT pg_advisory_xact_lock(1398230356, 1)";

  /** Batches of more distinct traces than this lock the whole database instead of each trace. */
  public static final int DEFAULT_MAX_TRACE_LOCKS = 1000;

  /**
   * The stored summaries of the batch's trace ids, every tenant's; per trace id the tenant with the most spans first
   * (what spans that name no tenant join). A probe of each partition's key index by trace id.
   */
  static final String STORED_SUMMARIES = "SELECT trace_id, tenant_id, verdict, start_time FROM trace_summaries"
      + " WHERE trace_id = ANY($1::text[]) ORDER BY trace_id, span_count DESC, tenant_id";

  /** A span of a stored trace under any other start time: deleted before the upsert, so it stays one row. */
  static final String DELETE_MOVED_SPANS = "DELETE FROM agent_traces a"
      + " USING unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS u(trace_id, tenant_id, id, start_time)"
      + " WHERE a.trace_id = u.trace_id AND a.tenant_id = u.tenant_id AND a.id = u.id AND a.start_time <> u.start_time";

  static final String UPSERT_SPANS = "INSERT INTO agent_traces (start_time, end_time, duration_ms, trace_id,"
      + " tenant_id, id, parent_span_id, span_name, span_kind, status, ticket_id, agent_id, attributes, events,"
      + " attributes_query, events_query)"
      + " SELECT s, e, d, tr, te, i, p, n, k, st, ti, ag, a::json, ev::json, aq::json, eq::json FROM unnest("
      + "$1::timestamptz[], $2::timestamptz[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[],"
      + " $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],"
      + " $16::text[]) AS u(s, e, d, tr, te, i, p, n, k, st, ti, ag, a, ev, aq, eq)"
      + " ON CONFLICT (trace_id, tenant_id, id, start_time) DO UPDATE SET end_time = excluded.end_time,"
      + " duration_ms = excluded.duration_ms, parent_span_id = excluded.parent_span_id,"
      + " span_name = excluded.span_name, span_kind = excluded.span_kind, status = excluded.status,"
      + " ticket_id = excluded.ticket_id, agent_id = excluded.agent_id, attributes = excluded.attributes,"
      + " events = excluded.events, attributes_query = excluded.attributes_query,"
      + " events_query = excluded.events_query, created_at = now()";

  /**
   * New (tenant, service, span name) pairs, in batch order, while the service has fewer than
   * {@link ServiceIndex#MAX_SPAN_NAMES_PER_SERVICE}: the new pairs of one service are numbered, and a pair goes in
   * when the service's stored names plus its number stay within the cap (SQLite checks the count row by row).
   */
  static final String INSERT_SPAN_NAMES = "INSERT INTO service_span_names (tenant_id, service_name, span_name)"
      + " SELECT n.tenant_id, n.service_name, n.span_name FROM (SELECT u.tenant_id, u.service_name, u.span_name,"
      + " row_number() OVER (PARTITION BY u.tenant_id, u.service_name ORDER BY u.ord) AS k"
      + " FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(tenant_id, service_name, span_name, ord)"
      + " WHERE NOT EXISTS (SELECT 1 FROM service_span_names e WHERE e.tenant_id = u.tenant_id"
      + " AND e.service_name = u.service_name AND e.span_name = u.span_name)) n"
      + " WHERE n.k + (SELECT count(*) FROM service_span_names c WHERE c.tenant_id = n.tenant_id"
      + " AND c.service_name = n.service_name) <= " + ServiceIndex.MAX_SPAN_NAMES_PER_SERVICE
      + " ORDER BY n.tenant_id, n.service_name, n.span_name ON CONFLICT DO NOTHING";

  static final String INSERT_TRACE_SERVICES = "INSERT INTO trace_services (tenant_id, service_name, start_time,"
      + " trace_id) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) ON CONFLICT DO NOTHING";

  private static final String SUMMARY_ARRAYS = "$1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[],"
      + " $5::int8[], $6::timestamptz[], $7::timestamptz[], $8::int4[], $9::int4[], $10::int4[], $11::int4[],"
      + " $12::int4[], $13::bool[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]";
  private static final String SUMMARY_COLUMNS = "trace_id, tenant_id, start_time, end_time, duration_ms, first_seen,"
      + " emitted_at, span_count, error_count, orphan_count, root_count, cycle_count, complete, ticket_id, agent_id,"
      + " root_span_id, root_span_name, verdict";

  /** Summaries of traces not stored yet; ON CONFLICT as SQLite's upsert, should one be there after all. */
  static final String INSERT_SUMMARIES = "INSERT INTO trace_summaries (" + SUMMARY_COLUMNS
      + ", first_span_count, updated_at) SELECT " + SUMMARY_COLUMNS + ", span_count, now() FROM unnest("
      + SUMMARY_ARRAYS + ") AS u(" + SUMMARY_COLUMNS + ")"
      + " ON CONFLICT (trace_id, tenant_id, start_time) DO UPDATE SET ticket_id = excluded.ticket_id,"
      + " agent_id = excluded.agent_id, root_span_id = excluded.root_span_id,"
      + " root_span_name = excluded.root_span_name, end_time = excluded.end_time,"
      + " duration_ms = excluded.duration_ms, span_count = excluded.span_count, error_count = excluded.error_count,"
      + " orphan_count = excluded.orphan_count, root_count = excluded.root_count,"
      + " cycle_count = excluded.cycle_count, complete = excluded.complete, verdict = excluded.verdict,"
      + " first_seen = CASE WHEN trace_summaries.first_seen IS NULL OR excluded.first_seen < trace_summaries.first_seen"
      + " THEN excluded.first_seen ELSE trace_summaries.first_seen END,"
      + " emitted_at = coalesce(excluded.emitted_at, trace_summaries.emitted_at), updated_at = excluded.updated_at";

  /**
   * Summaries already stored, found by their key with the stored start time. A plain UPDATE moves a row whose start
   * changed day to the other partition, which INSERT … ON CONFLICT DO UPDATE refuses (0A000). first_span_count is
   * what the first write saw: never updated.
   */
  static final String UPDATE_SUMMARIES = "UPDATE trace_summaries s SET start_time = u.start_time,"
      + " end_time = u.end_time, duration_ms = u.duration_ms, span_count = u.span_count,"
      + " error_count = u.error_count, orphan_count = u.orphan_count, root_count = u.root_count,"
      + " cycle_count = u.cycle_count, complete = u.complete, ticket_id = u.ticket_id, agent_id = u.agent_id,"
      + " root_span_id = u.root_span_id, root_span_name = u.root_span_name, verdict = u.verdict,"
      + " first_seen = CASE WHEN s.first_seen IS NULL OR u.first_seen < s.first_seen THEN u.first_seen"
      + " ELSE s.first_seen END, emitted_at = coalesce(u.emitted_at, s.emitted_at), updated_at = now()"
      + " FROM unnest(" + SUMMARY_ARRAYS + ", $19::timestamptz[]) AS u(" + SUMMARY_COLUMNS + ", stored_start)"
      + " WHERE s.trace_id = u.trace_id AND s.tenant_id = u.tenant_id AND s.start_time = u.stored_start";

  /** What a summary is recomputed from: every stored span of the traces, this batch's included. */
  static final String STORED_SPAN_FACTS = "SELECT a.trace_id, a.tenant_id, a.id, a.parent_span_id, a.span_name,"
      + " a.status, a.start_time, a.end_time, a.duration_ms, a.ticket_id, a.agent_id"
      + " FROM unnest($1::text[], $2::text[]) AS k(trace_id, tenant_id)"
      + " JOIN agent_traces a ON a.trace_id = k.trace_id AND a.tenant_id = k.tenant_id";

  /**
   * Span rows per INSERT at most, in characters of JSON: a batch of big spans goes in several statements, so no
   * array parameter comes near PostgreSQL's 1 GB limit for one value and no message is a huge buffer.
   */
  static final long MAX_JSON_CHARS_PER_STATEMENT = 16L << 20;

  private final Pool pool;
  private final int maxTraceLocks;
  private final ServiceIndex serviceIndex = new ServiceIndex();

  /** Tests only: runs inside the transaction after the last statement, before the commit; null in production. */
  volatile java.util.function.Function<SqlConnection, Future<Void>> beforeCommit;

  /** @param pool the writer's connections (one is enough: one write at a time); closed by {@link #close()} */
  public PostgresTraceWriter(Pool pool) {
    this(pool, DEFAULT_MAX_TRACE_LOCKS);
  }

  /**
   * @param maxTraceLocks a batch of more distinct traces than this locks the whole database instead of each trace
   *     (at most this many locks per writer in the server's lock table)
   */
  public PostgresTraceWriter(Pool pool, int maxTraceLocks) {
    this.pool = Objects.requireNonNull(pool, "pool");
    if (maxTraceLocks < 1) {
      throw new IllegalArgumentException("maxTraceLocks " + maxTraceLocks);
    }
    this.maxTraceLocks = maxTraceLocks;
  }

  /** A writer over a pool of one connection to {@code connect}, prepared statements cached. */
  public static PostgresTraceWriter create(Vertx vertx, PgConnectOptions connect) {
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setName("trace-storage-postgres-writer"))
        .connectingTo(new PgConnectOptions(connect).setCachePreparedStatements(true))
        .using(vertx)
        .build();
    return new PostgresTraceWriter(pool);
  }

  /**
   * Writes the batch in one transaction; the future fails (and nothing is committed) on any error, e.g. the server
   * gone. Safe to call again with the same batch. Not concurrently.
   */
  @Override
  public Future<WriteResult> write(List<TraceRecord> batch) {
    Set<String> traceIds = new LinkedHashSet<>();
    for (TraceRecord m : batch) {
      if (!m.spans().isEmpty()) {
        traceIds.add(m.traceId());
      }
    }
    if (traceIds.isEmpty()) {
      return Future.succeededFuture(new WriteResult(0, 0, 0));
    }
    BatchWrite write = new BatchWrite(batch);
    Long[] lockKeys = lockKeys(traceIds);
    boolean wholeDatabase = lockKeys.length > maxTraceLocks;
    Tuple ids = Tuple.of(traceIds.toArray(new String[0]));
    return pool.withTransaction(conn -> {
          // Sent together (the client pipelines them); the server runs them in order, so the read's snapshot is
          // taken once every lock is held.
          Future<?> settings = conn.query(BEGIN + "; " + (wholeDatabase ? WHOLE_DATABASE : WHOLE_DATABASE_SHARED))
              .execute();
          Future<?> locked = wholeDatabase ? Future.succeededFuture()
              : conn.preparedQuery(LOCK_TRACES).execute(Tuple.tuple().addArrayOfLong(lockKeys));
          Future<RowSet<Row>> stored = conn.preparedQuery(STORED_SUMMARIES).execute(ids);
          return Future.all(settings, locked, stored)
              .compose(all -> write.run(conn, stored.result()))
              .compose(result -> {
                var hook = beforeCommit;
                return hook == null ? Future.succeededFuture(result) : hook.apply(conn).map(result);
              });
        })
        .onSuccess(written -> serviceIndex.committed(write.serviceRows));
  }

  /** The distinct {@link #lockKey}s of the trace ids, ascending: the order every writer takes its locks in. */
  static Long[] lockKeys(Set<String> traceIds) {
    long[] keys = new long[traceIds.size()];
    int i = 0;
    for (String id : traceIds) {
      keys[i++] = lockKey(id);
    }
    return java.util.Arrays.stream(keys).sorted().distinct().boxed().toArray(Long[]::new);
  }

  /**
   * The advisory lock key of a trace id: FNV-1a over its UTF-8 bytes, then MurmurHash3's 64-bit finaliser. The same
   * in every process and version of the writer (all writers of a database must agree); two ids with one key only
   * wait for each other.
   */
  static long lockKey(String traceId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : traceId.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Closes the pool. */
  @Override
  public Future<Void> close() {
    return pool.close();
  }

  /** A stored summary: its verdict and the start time in its key. */
  private record Stored(TraceVerdict verdict, OffsetDateTime start) {}


  /** A span's identity. */
  private record SpanKey(String traceId, String tenantId, String id) {}

  /** One batch's state through its transaction. */
  private final class BatchWrite {
    private final List<TraceRecord> batch;
    private final Map<TraceKey, List<TraceParts.Part>> byTrace = new LinkedHashMap<>();
    private final Map<TraceKey, Stored> stored = new HashMap<>();
    private final Map<SpanKey, Span> spans = new LinkedHashMap<>();
    private int spanCount;
    private int recomputed;
    ServiceIndex.Rows serviceRows;

    BatchWrite(List<TraceRecord> batch) {
      this.batch = batch;
    }

    Future<WriteResult> run(SqlConnection conn, RowSet<Row> storedRows) {
      Map<String, String> owners = new HashMap<>();
      for (Row r : storedRows) {
        String traceId = r.getString(0);
        String tenant = r.getString(1);
        if (!tenant.isEmpty()) {
          owners.putIfAbsent(traceId, tenant); // the first is the trace with the most spans
        }
        stored.putIfAbsent(new TraceKey(traceId, tenant),
            new Stored(TraceVerdict.fromWire(r.getString(2)), r.getOffsetDateTime(3)));
      }
      // Spans that name no tenant join their trace's: from their own message, else from what is stored under the
      // trace id (read before anything of this batch is written, as SQLite's writer does).
      List<TraceRecord> resolved = new ArrayList<>(batch.size());
      for (TraceRecord m : batch) {
        String owner = TraceTenants.ownerOf(m);
        if (owner == null && TraceTenants.hasSpanWithoutTenant(m)) {
          owner = owners.get(m.traceId());
        }
        resolved.add(TraceTenants.assign(m, owner));
      }
      for (TraceRecord m : resolved) {
        TraceParts.add(byTrace, m);
        for (Span s : m.spans()) {
          // The same span twice in the batch is written once, with its last values (ON CONFLICT DO UPDATE may not
          // meet one key twice in a statement, 21000); it still counts twice, as in SQLite.
          spans.put(new SpanKey(s.traceId(), ReadScope.stored(s.tenantId()), s.id()), s);
          spanCount++;
        }
      }
      serviceRows = serviceIndex.rows(() -> resolved.stream().flatMap(m -> m.spans().stream()).iterator());
      return deleteMovedSpans(conn)
          .compose(v -> upsertSpans(conn, new ArrayList<>(spans.values()), 0))
          .compose(v -> writeServiceIndex(conn))
          .compose(v -> summaries(conn))
          .compose(summaries -> writeSummaries(conn, summaries))
          .map(v -> new WriteResult(byTrace.size(), spanCount, recomputed));
    }

    /** Spans of stored traces whose identity may be stored under another start time. */
    private Future<Void> deleteMovedSpans(SqlConnection conn) {
      List<Span> ofStored = new ArrayList<>();
      for (Map.Entry<SpanKey, Span> e : spans.entrySet()) {
        if (stored.containsKey(new TraceKey(e.getKey().traceId(), e.getKey().tenantId()))) {
          ofStored.add(e.getValue());
        }
      }
      if (ofStored.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = ofStored.size();
      String[] traceIds = new String[n];
      String[] tenants = new String[n];
      String[] ids = new String[n];
      OffsetDateTime[] starts = new OffsetDateTime[n];
      for (int i = 0; i < n; i++) {
        Span s = ofStored.get(i);
        traceIds[i] = s.traceId();
        tenants[i] = ReadScope.stored(s.tenantId());
        ids[i] = s.id();
        starts[i] = time(s.startEpochMillis());
      }
      return conn.preparedQuery(DELETE_MOVED_SPANS)
          .execute(Tuple.tuple().addArrayOfString(traceIds).addArrayOfString(tenants).addArrayOfString(ids)
              .addArrayOfOffsetDateTime(starts))
          .mapEmpty();
    }

    /** The span rows from {@code from} on, one statement per {@link #MAX_JSON_CHARS_PER_STATEMENT} of JSON. */
    private Future<Void> upsertSpans(SqlConnection conn, List<Span> rows, int from) {
      if (from >= rows.size()) {
        return Future.succeededFuture();
      }
      int to = from;
      long chars = 0;
      while (to < rows.size() && (to == from || chars < MAX_JSON_CHARS_PER_STATEMENT)) {
        Span s = rows.get(to++);
        chars += s.attributesJson().length() + s.eventsJson().length();
      }
      int end = to;
      return conn.preparedQuery(UPSERT_SPANS).execute(spanArrays(rows.subList(from, end)))
          .compose(v -> upsertSpans(conn, rows, end));
    }

    private Future<Void> writeServiceIndex(SqlConnection conn) {
      // Cut and cleaned as PostgreSQL keys must be; pairs that become equal are written once.
      Map<List<String>, Boolean> names = new LinkedHashMap<>();
      for (Tuple t : serviceRows.spanNames) { // (tenant, service, span name, tenant, service)
        names.put(List.of(t.getString(0), PostgresText.key(t.getString(1)), PostgresText.key(t.getString(2))), true);
      }
      Map<List<Object>, Boolean> traces = new LinkedHashMap<>();
      for (Tuple t : serviceRows.traceServices) { // (service, trace id, tenant, start as ISO text)
        traces.put(List.of(t.getString(2), PostgresText.key(t.getString(0)),
            time(Timestamps.parseIso(t.getString(3))), t.getString(1)), true);
      }
      Future<?> first = Future.succeededFuture();
      if (!names.isEmpty()) {
        int n = names.size();
        String[][] columns = new String[3][n];
        int i = 0;
        for (List<String> row : names.keySet()) {
          for (int c = 0; c < 3; c++) {
            columns[c][i] = row.get(c);
          }
          i++;
        }
        first = conn.preparedQuery(INSERT_SPAN_NAMES).execute(Tuple.tuple().addArrayOfString(columns[0])
            .addArrayOfString(columns[1]).addArrayOfString(columns[2]));
      }
      return first.compose(v -> {
        if (traces.isEmpty()) {
          return Future.succeededFuture();
        }
        int n = traces.size();
        String[] tenants = new String[n];
        String[] services = new String[n];
        OffsetDateTime[] starts = new OffsetDateTime[n];
        String[] traceIds = new String[n];
        int i = 0;
        for (List<Object> row : traces.keySet()) {
          tenants[i] = (String) row.get(0);
          services[i] = (String) row.get(1);
          starts[i] = (OffsetDateTime) row.get(2);
          traceIds[i] = (String) row.get(3);
          i++;
        }
        return conn.preparedQuery(INSERT_TRACE_SERVICES).execute(Tuple.tuple().addArrayOfString(tenants)
            .addArrayOfString(services).addArrayOfOffsetDateTime(starts).addArrayOfString(traceIds)).mapEmpty();
      });
    }

    /** Summaries of all traces of the batch, in batch order; recomputed ones read their stored spans in one query. */
    private Future<Map<TraceKey, TraceSummary>> summaries(SqlConnection conn) {
      Map<TraceKey, TraceSummary> out = new LinkedHashMap<>();
      List<TraceKey> recompute = new ArrayList<>();
      for (Map.Entry<TraceKey, List<TraceParts.Part>> e : byTrace.entrySet()) {
        TraceSummary fromMessage =
            TraceParts.fromMessageIfAlone(e.getKey(), e.getValue(), stored.containsKey(e.getKey()));
        out.put(e.getKey(), fromMessage); // null keeps batch order; filled below
        if (fromMessage == null) {
          recompute.add(e.getKey());
        }
      }
      if (recompute.isEmpty()) {
        return Future.succeededFuture(out);
      }
      recomputed = recompute.size();
      String[] traceIds = new String[recompute.size()];
      String[] tenants = new String[recompute.size()];
      for (int i = 0; i < recompute.size(); i++) {
        traceIds[i] = recompute.get(i).traceId();
        tenants[i] = recompute.get(i).tenantId();
      }
      return conn.preparedQuery(STORED_SPAN_FACTS)
          .execute(Tuple.tuple().addArrayOfString(traceIds).addArrayOfString(tenants))
          .map(rows -> {
            Map<TraceKey, List<SpanFacts>> factsByTrace = new HashMap<>();
            for (Row r : rows) {
              factsByTrace.computeIfAbsent(new TraceKey(r.getString(0), r.getString(1)), k -> new ArrayList<>())
                  .add(facts(r));
            }
            for (TraceKey key : recompute) {
              Stored before = stored.get(key);
              out.put(key, TraceSummary.recomputed(key, factsByTrace.getOrDefault(key, List.of()),
                  TraceParts.messages(byTrace.get(key)), before == null ? null : before.verdict()));
            }
            return out;
          });
    }

    private Future<Void> writeSummaries(SqlConnection conn, Map<TraceKey, TraceSummary> summaries) {
      List<TraceSummary> inserts = new ArrayList<>();
      List<TraceSummary> updates = new ArrayList<>();
      List<OffsetDateTime> storedStarts = new ArrayList<>();
      for (Map.Entry<TraceKey, TraceSummary> e : summaries.entrySet()) {
        Stored before = stored.get(e.getKey());
        if (before == null) {
          inserts.add(e.getValue());
        } else {
          updates.add(e.getValue());
          storedStarts.add(before.start());
        }
      }
      Future<?> inserted = inserts.isEmpty() ? Future.succeededFuture()
          : conn.preparedQuery(INSERT_SUMMARIES).execute(summaryArrays(inserts));
      return inserted.compose(v -> {
        if (updates.isEmpty()) {
          return Future.succeededFuture();
        }
        Tuple t = summaryArrays(updates).addArrayOfOffsetDateTime(storedStarts.toArray(new OffsetDateTime[0]));
        return conn.preparedQuery(UPDATE_SUMMARIES).execute(t).compose(rows -> rows.rowCount() == updates.size()
            ? Future.<Void>succeededFuture()
            // Deleted since it was read (retention of the DEFAULT partition): nothing is committed, and the retry
            // inserts the summary.
            : Future.failedFuture(new IllegalStateException("updated " + rows.rowCount() + " of " + updates.size()
                + " stored trace summaries: one was removed under the writer; write the batch again")));
      });
    }
  }


  private static Tuple spanArrays(List<Span> rows) {
    int n = rows.size();
    OffsetDateTime[] starts = new OffsetDateTime[n];
    OffsetDateTime[] ends = new OffsetDateTime[n];
    Long[] durations = new Long[n];
    String[][] text = new String[13][n];
    for (int i = 0; i < n; i++) {
      Span s = rows.get(i);
      starts[i] = time(s.startEpochMillis());
      ends[i] = s.endEpochMillis() == null ? null : time(s.endEpochMillis());
      durations[i] = s.durationMs();
      text[0][i] = s.traceId();
      text[1][i] = ReadScope.stored(s.tenantId());
      text[2][i] = s.id();
      text[3][i] = s.parentSpanId();
      text[4][i] = PostgresText.text(s.spanName());
      text[5][i] = s.spanKind().wire();
      text[6][i] = s.status().wire();
      text[7][i] = s.ticketId();
      text[8][i] = s.agentId();
      text[9][i] = s.attributesJson();
      text[10][i] = s.eventsJson();
      text[11][i] = PostgresText.queryableJson(s.attributesJson());
      text[12][i] = PostgresText.queryableJson(s.eventsJson());
    }
    Tuple t = Tuple.tuple().addArrayOfOffsetDateTime(starts).addArrayOfOffsetDateTime(ends).addArrayOfLong(durations);
    for (String[] column : text) {
      t.addArrayOfString(column);
    }
    return t;
  }

  private static Tuple summaryArrays(List<TraceSummary> rows) {
    int n = rows.size();
    String[] traceIds = new String[n];
    String[] tenants = new String[n];
    OffsetDateTime[] starts = new OffsetDateTime[n];
    OffsetDateTime[] ends = new OffsetDateTime[n];
    Long[] durations = new Long[n];
    OffsetDateTime[] firstSeen = new OffsetDateTime[n];
    OffsetDateTime[] emittedAt = new OffsetDateTime[n];
    Integer[][] counts = new Integer[5][n];
    Boolean[] complete = new Boolean[n];
    String[][] text = new String[5][n];
    for (int i = 0; i < n; i++) {
      TraceSummary t = rows.get(i);
      traceIds[i] = t.traceId();
      tenants[i] = t.tenantId();
      starts[i] = time(t.startMillis());
      ends[i] = t.endMillis() == null ? null : time(t.endMillis());
      durations[i] = t.durationMs();
      firstSeen[i] = t.firstSeenMillis() == null ? null : time(t.firstSeenMillis());
      emittedAt[i] = t.emittedAtMillis() == null ? null : time(t.emittedAtMillis());
      counts[0][i] = t.spanCount();
      counts[1][i] = t.errorCount();
      counts[2][i] = t.orphanCount();
      counts[3][i] = t.rootCount();
      counts[4][i] = t.cycleCount();
      complete[i] = t.complete();
      text[0][i] = t.ticketId();
      text[1][i] = t.agentId();
      text[2][i] = t.rootSpanId();
      text[3][i] = PostgresText.text(t.rootSpanName());
      text[4][i] = t.verdict().wire();
    }
    Tuple t = Tuple.tuple().addArrayOfString(traceIds).addArrayOfString(tenants).addArrayOfOffsetDateTime(starts)
        .addArrayOfOffsetDateTime(ends).addArrayOfLong(durations).addArrayOfOffsetDateTime(firstSeen)
        .addArrayOfOffsetDateTime(emittedAt);
    for (Integer[] column : counts) {
      t.addArrayOfInteger(column);
    }
    t.addArrayOfBoolean(complete);
    for (String[] column : text) {
      t.addArrayOfString(column);
    }
    return t;
  }

  private static SpanFacts facts(Row r) {
    OffsetDateTime end = r.getOffsetDateTime(7);
    return new SpanFacts(r.getString(2), r.getString(3), r.getString(4), "error".equals(r.getString(5)),
        millis(r.getOffsetDateTime(6)), end == null ? null : millis(end), r.getLong(8), r.getString(9),
        r.getString(10));
  }


  static OffsetDateTime time(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).atOffset(ZoneOffset.UTC);
  }

  static long millis(OffsetDateTime time) {
    return time.toInstant().toEpochMilli();
  }
}
