package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.Timestamps;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Benchmark (not a test): span rows written into V1's partitioned {@code agent_traces} on a {@link PostgresServer}
 * (fsync on), one transaction per batch, idempotent ({@code ON CONFLICT (trace_id, tenant_id, id, start_time) DO
 * NOTHING}, or {@code DO UPDATE} of every column with {@code -Dupsert=update}), by each way of writing:
 *
 * <ul>
 *   <li>{@code jdbc-multirow}: pgjdbc, one {@code INSERT … VALUES (…), (…), …} statement of the whole batch;
 *   <li>{@code jdbc-batch}: pgjdbc, single-row INSERT with {@code addBatch}, {@code reWriteBatchedInserts=true};
 *   <li>{@code jdbc-copy}: pgjdbc {@code CopyManager} COPY (text format) into a temporary staging table, then
 *       {@code INSERT … SELECT … ON CONFLICT};
 *   <li>{@code jdbc-unnest}: pgjdbc, one {@code INSERT … SELECT FROM unnest(?::text[], …)} with array parameters;
 *   <li>{@code vertx-batch}: vertx-pg-client, single-row prepared INSERT with {@code executeBatch};
 *   <li>{@code vertx-unnest}: vertx-pg-client, one {@code INSERT … SELECT FROM unnest($1::timestamptz[], …)}.
 * </ul>
 *
 * <p>Rows are ~1.4 KB (about 1 KB of attribute JSON, two events) from {@link BenchSpans}, made before timing; each
 * measured run starts from an empty table after a CHECKPOINT and writes the same spans. Runs alternate the methods
 * (round by round), so drift on a shared machine spreads over all of them; the table shows the median of the rounds.
 * Besides rows/s it measures the client's CPU (this JVM), the server backend's CPU (/proc of its pid), the WAL written
 * and the table's size ({@code pg_total_relation_size} of all partitions, with indexes and TOAST).
 *
 * <p>Args: [spans per run (default 200000)] [batch sizes (default 500,2000)] [rounds (default 3)]
 * [methods (default all, comma-separated)]. Run: see storage-postgres/README.md.
 */
public final class PostgresWriteBench {

  static final String COLUMNS = "start_time, end_time, duration_ms, trace_id, tenant_id, id, parent_span_id,"
      + " span_name, span_kind, status, ticket_id, agent_id, attributes, events";
  static final int COLUMN_COUNT = 14;
  static final String KEY = " ON CONFLICT (trace_id, tenant_id, id, start_time) ";
  static final String DO_UPDATE = "DO UPDATE SET end_time = excluded.end_time, duration_ms = excluded.duration_ms,"
      + " parent_span_id = excluded.parent_span_id, span_name = excluded.span_name, span_kind = excluded.span_kind,"
      + " status = excluded.status, ticket_id = excluded.ticket_id, agent_id = excluded.agent_id,"
      + " attributes = excluded.attributes, events = excluded.events, created_at = now()";

  /** One way of writing a batch in one transaction. */
  interface Method extends AutoCloseable {
    String name();

    void write(List<Span> batch) throws Exception;

    /** The server process serving this method's connection. */
    int backendPid() throws Exception;

    @Override
    void close() throws Exception;
  }

  private static String onConflict;

  public static void main(String[] args) throws Exception {
    int spansPerRun = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int[] batchSizes = Arrays.stream((args.length > 1 ? args[1] : "500,2000").split(","))
        .mapToInt(Integer::parseInt).toArray();
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<String> methods = List.of((args.length > 3 ? args[3]
        : "jdbc-multirow,jdbc-batch,jdbc-copy,jdbc-unnest,vertx-batch,vertx-unnest").split(","));
    onConflict = KEY + ("update".equals(System.getProperty("upsert")) ? DO_UPDATE : "DO NOTHING");

    LocalDate day = LocalDate.now(ZoneOffset.UTC);
    long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    BenchSpans generator = new BenchSpans(7, dayStart + 3_600_000);
    List<Span> warmup = generator.spans(20_000);
    List<Span> spans = generator.spans(spansPerRun);
    long payload = spans.stream().mapToLong(s -> s.attributesJson().length() + s.eventsJson().length()).sum();
    System.out.printf(Locale.ROOT, "%d spans per run, %.0f bytes of attributes+events JSON per span, %d rounds%n",
        spansPerRun, (double) payload / spansPerRun, rounds);

    Vertx vertx = Vertx.vertx();
    try (PostgresServer pg = PostgresServer.builder().database("bench").start()) {
      PostgresServer.Database db = pg.database();
      System.out.println("PostgreSQL " + pg.serverVersion() + ", settings " + PostgresServer.defaultSettings());
      PostgresSchema.migrate(db);
      PostgresServer.Database adminDb = new PostgresServer.Database(db.host(), db.port(), db.name(),
          PostgresServer.SUPERUSER, pg.adminDatabase().password());
      try (Connection admin = adminDb.connect()) {
        new PostgresPartitions().createAhead(admin, day, 1);
        Map<String, Method> open = new LinkedHashMap<>();
        for (String m : methods) {
          open.put(m, open(m, db, vertx));
        }
        for (Method m : open.values()) { // JIT, statement preparation, connection warm-up, at every batch size
          for (int batch : batchSizes) {
            for (int i = 0; i < warmup.size(); i += batch) {
              m.write(warmup.subList(i, Math.min(i + batch, warmup.size())));
            }
          }
        }
        Map<String, List<Run>> results = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
          for (int batch : batchSizes) {
            for (Method m : open.values()) {
              Run r = measure(admin, m, spans, batch);
              results.computeIfAbsent(m.name() + " " + batch, k -> new ArrayList<>()).add(r);
              System.out.printf(Locale.ROOT, "round %d  %-14s batch %5d  %,9.0f rows/s  client %.1f us/row"
                  + "  server %.1f us/row  WAL %,.0f B/row  size %,.0f B/row%n", round, m.name(), batch, r.rowsPerSecond,
                  r.clientMicrosPerRow, r.serverMicrosPerRow, r.walBytesPerRow, r.sizeBytesPerRow);
            }
          }
        }
        for (Method m : open.values()) {
          m.close();
        }
        printTable(results, rounds);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  record Run(double rowsPerSecond, double clientMicrosPerRow, double serverMicrosPerRow, double walBytesPerRow,
      double sizeBytesPerRow, double indexBytesPerRow) {}

  private static Run measure(Connection admin, Method m, List<Span> spans, int batch) throws Exception {
    try (Statement s = admin.createStatement()) {
      s.execute("TRUNCATE agent_traces");
      s.execute("CHECKPOINT");
    }
    String walBefore = scalar(admin, "SELECT pg_current_wal_lsn()");
    int pid = m.backendPid();
    long serverBefore = backendCpuNanos(pid);
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long clientBefore = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    for (int i = 0; i < spans.size(); i += batch) {
      m.write(spans.subList(i, Math.min(i + batch, spans.size())));
    }
    long elapsed = System.nanoTime() - t0;
    long client = os.getProcessCpuTime() - clientBefore;
    long server = backendCpuNanos(pid) - serverBefore;
    double wal = Double.parseDouble(scalar(admin, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + walBefore + "')"));
    long rows = Long.parseLong(scalar(admin, "SELECT count(*) FROM agent_traces"));
    if (rows != spans.size()) {
      throw new IllegalStateException(m.name() + " wrote " + rows + " rows of " + spans.size());
    }
    double size = Double.parseDouble(scalar(admin,
        "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('agent_traces')"));
    double indexes = Double.parseDouble(scalar(admin,
        "SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('agent_traces')"));
    int n = spans.size();
    return new Run(n / (elapsed / 1e9), client / 1e3 / n, server / 1e3 / n, wal / n, size / n, indexes / n);
  }

  private static void printTable(Map<String, List<Run>> results, int rounds) {
    System.out.println();
    System.out.println("| method | spans per batch | rows/s (median of " + rounds + ") | min–max rows/s"
        + " | client CPU µs/row | server CPU µs/row | WAL bytes/row | bytes per 1M spans (table+indexes) |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Map.Entry<String, List<Run>> e : results.entrySet()) {
      List<Run> runs = e.getValue();
      String[] key = e.getKey().split(" ");
      double[] rates = runs.stream().mapToDouble(Run::rowsPerSecond).sorted().toArray();
      System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f–%,.0f | %.1f | %.1f | %,.0f | %,.0f (indexes %,.0f) |%n",
          key[0], key[1], median(runs, Run::rowsPerSecond), rates[0], rates[rates.length - 1],
          median(runs, Run::clientMicrosPerRow), median(runs, Run::serverMicrosPerRow),
          median(runs, Run::walBytesPerRow), median(runs, Run::sizeBytesPerRow) * 1e6,
          median(runs, Run::indexBytesPerRow) * 1e6);
    }
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** utime + stime of a process, from /proc/PID/stat (clock ticks of 10 ms on Linux). */
  private static long backendCpuNanos(int pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 10_000_000L;
  }

  private static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Method open(String name, PostgresServer.Database db, Vertx vertx) throws Exception {
    switch (name) {
      case "jdbc-multirow":
        return new JdbcMultiRow(DriverManager.getConnection(db.jdbcUrl()));
      case "jdbc-batch":
        return new JdbcBatch(DriverManager.getConnection(db.jdbcUrl() + "&reWriteBatchedInserts=true"));
      case "jdbc-copy":
        return new JdbcCopy(DriverManager.getConnection(db.jdbcUrl()));
      case "jdbc-unnest":
        return new JdbcUnnest(DriverManager.getConnection(db.jdbcUrl()));
      case "vertx-batch":
        return new VertxBatch(vertx, db);
      case "vertx-unnest":
        return new VertxUnnest(vertx, db);
      default:
        throw new IllegalArgumentException("unknown method " + name);
    }
  }

  static OffsetDateTime time(long epochMillis) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
  }

  static String tenant(Span s) {
    return s.tenantId() == null ? "" : s.tenantId();
  }

  // ---- pgjdbc ----

  private abstract static class Jdbc implements Method {
    final Connection c;

    Jdbc(Connection c) {
      this.c = c;
    }

    @Override
    public int backendPid() throws SQLException {
      return Integer.parseInt(scalar(c, "SELECT pg_backend_pid()"));
    }

    @Override
    public void close() throws SQLException {
      c.close();
    }

    /** Binds one span's 14 values from parameter {@code p}. */
    static void bind(PreparedStatement ps, int p, Span s) throws SQLException {
      ps.setObject(p, time(s.startEpochMillis()));
      if (s.endEpochMillis() == null) {
        ps.setNull(p + 1, Types.TIMESTAMP_WITH_TIMEZONE);
      } else {
        ps.setObject(p + 1, time(s.endEpochMillis()));
      }
      if (s.durationMs() == null) {
        ps.setNull(p + 2, Types.BIGINT);
      } else {
        ps.setLong(p + 2, s.durationMs());
      }
      ps.setString(p + 3, s.traceId());
      ps.setString(p + 4, tenant(s));
      ps.setString(p + 5, s.id());
      ps.setString(p + 6, s.parentSpanId());
      ps.setString(p + 7, s.spanName());
      ps.setString(p + 8, s.spanKind().wire());
      ps.setString(p + 9, s.status().wire());
      ps.setString(p + 10, s.ticketId());
      ps.setString(p + 11, s.agentId());
      ps.setString(p + 12, s.attributesJson());
      ps.setString(p + 13, s.eventsJson());
    }
  }

  static final String ONE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::json, ?::json)";

  private static final class JdbcMultiRow extends Jdbc {
    private final Map<Integer, PreparedStatement> statements = new HashMap<>();

    JdbcMultiRow(Connection c) {
      super(c);
    }

    @Override
    public String name() {
      return "jdbc-multirow";
    }

    @Override
    public void write(List<Span> batch) throws SQLException {
      // 14 parameters a row: at most 4681 rows a statement (the protocol's 65,535 parameters).
      PreparedStatement ps = statements.computeIfAbsent(batch.size(), n -> {
        try {
          return c.prepareStatement("INSERT INTO agent_traces (" + COLUMNS + ") VALUES "
              + String.join(", ", java.util.Collections.nCopies(n, ONE_ROW)) + onConflict);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      int p = 1;
      for (Span s : batch) {
        bind(ps, p, s);
        p += COLUMN_COUNT;
      }
      ps.executeUpdate(); // auto-commit: one statement, one transaction
    }
  }

  private static final class JdbcBatch extends Jdbc {
    private final PreparedStatement ps;

    JdbcBatch(Connection c) throws SQLException {
      super(c);
      c.setAutoCommit(false);
      ps = c.prepareStatement("INSERT INTO agent_traces (" + COLUMNS + ") VALUES " + ONE_ROW + onConflict);
    }

    @Override
    public String name() {
      return "jdbc-batch";
    }

    @Override
    public void write(List<Span> batch) throws SQLException {
      for (Span s : batch) {
        bind(ps, 1, s);
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    }
  }

  private static final class JdbcCopy extends Jdbc {
    private final CopyManager copy;
    private final PreparedStatement merge;

    JdbcCopy(Connection c) throws SQLException {
      super(c);
      try (Statement s = c.createStatement()) {
        // Temporary: not WAL-logged, private to the connection, emptied by every commit.
        s.execute("CREATE TEMP TABLE span_stage (LIKE agent_traces INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
      }
      c.setAutoCommit(false);
      copy = c.unwrap(PGConnection.class).getCopyAPI();
      merge = c.prepareStatement("INSERT INTO agent_traces (" + COLUMNS + ") SELECT " + COLUMNS + " FROM span_stage"
          + onConflict);
    }

    @Override
    public String name() {
      return "jdbc-copy";
    }

    @Override
    public void write(List<Span> batch) throws SQLException, IOException {
      StringBuilder sb = new StringBuilder(batch.size() * 1600);
      for (Span s : batch) {
        sb.append(Timestamps.formatIso(s.startEpochMillis())).append('\t');
        field(sb, s.endEpochMillis() == null ? null : Timestamps.formatIso(s.endEpochMillis()));
        field(sb, s.durationMs() == null ? null : s.durationMs().toString());
        field(sb, s.traceId());
        field(sb, tenant(s));
        field(sb, s.id());
        field(sb, s.parentSpanId());
        field(sb, s.spanName());
        field(sb, s.spanKind().wire());
        field(sb, s.status().wire());
        field(sb, s.ticketId());
        field(sb, s.agentId());
        field(sb, s.attributesJson());
        text(sb, s.eventsJson());
        sb.append('\n');
      }
      copy.copyIn("COPY span_stage (" + COLUMNS + ") FROM STDIN",
          new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)));
      merge.executeUpdate();
      c.commit();
    }

    private static void field(StringBuilder sb, String value) {
      text(sb, value);
      sb.append('\t');
    }

    /** COPY's text format: \N for NULL; backslash, tab, newline and carriage return escaped. */
    static void text(StringBuilder sb, String value) {
      if (value == null) {
        sb.append("\\N");
        return;
      }
      for (int i = 0; i < value.length(); i++) {
        char ch = value.charAt(i);
        switch (ch) {
          case '\\' -> sb.append("\\\\");
          case '\t' -> sb.append("\\t");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          default -> sb.append(ch);
        }
      }
    }
  }

  static final String UNNEST_SELECT = "SELECT s::timestamptz, e::timestamptz, d, tr, te, i, p, n, k, st, ti, ag,"
      + " a::json, ev::json FROM unnest(";
  static final String UNNEST_ALIAS = ") AS u(s, e, d, tr, te, i, p, n, k, st, ti, ag, a, ev)";

  private static final class JdbcUnnest extends Jdbc {
    private final PreparedStatement ps;

    JdbcUnnest(Connection c) throws SQLException {
      super(c);
      // Times as text arrays: pgjdbc encodes String and Long arrays itself.
      ps = c.prepareStatement("INSERT INTO agent_traces (" + COLUMNS + ") " + UNNEST_SELECT
          + "?::text[], ?::text[], ?::int8[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
          + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]" + UNNEST_ALIAS + onConflict);
    }

    @Override
    public String name() {
      return "jdbc-unnest";
    }

    @Override
    public void write(List<Span> batch) throws SQLException {
      int n = batch.size();
      String[][] text = new String[13][n];
      Long[] durations = new Long[n];
      for (int r = 0; r < n; r++) {
        Span s = batch.get(r);
        text[0][r] = Timestamps.formatIso(s.startEpochMillis());
        text[1][r] = s.endEpochMillis() == null ? null : Timestamps.formatIso(s.endEpochMillis());
        durations[r] = s.durationMs();
        text[2][r] = s.traceId();
        text[3][r] = tenant(s);
        text[4][r] = s.id();
        text[5][r] = s.parentSpanId();
        text[6][r] = s.spanName();
        text[7][r] = s.spanKind().wire();
        text[8][r] = s.status().wire();
        text[9][r] = s.ticketId();
        text[10][r] = s.agentId();
        text[11][r] = s.attributesJson();
        text[12][r] = s.eventsJson();
      }
      List<Array> arrays = new ArrayList<>();
      int p = 1;
      for (int col = 0; col < 14; col++) {
        Array a = col == 2 ? c.createArrayOf("int8", durations)
            : c.createArrayOf("text", text[col < 2 ? col : col - 1]);
        arrays.add(a);
        ps.setArray(p++, a);
      }
      ps.executeUpdate();
      for (Array a : arrays) {
        a.free();
      }
    }
  }

  // ---- vertx-pg-client ----

  private abstract static class Reactive implements Method {
    final PgConnection conn;

    Reactive(Vertx vertx, PostgresServer.Database db) throws Exception {
      PgConnectOptions options = PgConnectOptions.fromUri(db.uri()).setCachePreparedStatements(true);
      conn = await(PgConnection.connect(vertx, options));
    }

    @Override
    public int backendPid() {
      return conn.processId();
    }

    @Override
    public void close() throws Exception {
      await(conn.close());
    }

    static <T> T await(Future<T> f) throws Exception {
      return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
  }

  private static final class VertxBatch extends Reactive {
    // $13::text: a String bound to a json parameter would be sent as a JSON string value, not as the document.
    private static final String SQL = "INSERT INTO agent_traces (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6,"
        + " $7, $8, $9, $10, $11, $12, $13::text::json, $14::text::json)" + "%s";
    private final String sql;

    VertxBatch(Vertx vertx, PostgresServer.Database db) throws Exception {
      super(vertx, db);
      sql = String.format(SQL, onConflict);
    }

    @Override
    public String name() {
      return "vertx-batch";
    }

    @Override
    public void write(List<Span> batch) throws Exception {
      List<Tuple> rows = new ArrayList<>(batch.size());
      for (Span s : batch) {
        rows.add(Tuple.tuple()
            .addOffsetDateTime(time(s.startEpochMillis()))
            .addOffsetDateTime(s.endEpochMillis() == null ? null : time(s.endEpochMillis()))
            .addLong(s.durationMs())
            .addString(s.traceId())
            .addString(tenant(s))
            .addString(s.id())
            .addString(s.parentSpanId())
            .addString(s.spanName())
            .addString(s.spanKind().wire())
            .addString(s.status().wire())
            .addString(s.ticketId())
            .addString(s.agentId())
            .addString(s.attributesJson())
            .addString(s.eventsJson()));
      }
      await(conn.begin().compose(tx -> conn.preparedQuery(sql).executeBatch(rows).compose(r -> tx.commit())));
    }
  }

  private static final class VertxUnnest extends Reactive {
    private final String sql;

    VertxUnnest(Vertx vertx, PostgresServer.Database db) throws Exception {
      super(vertx, db);
      sql = "INSERT INTO agent_traces (" + COLUMNS + ") " + UNNEST_SELECT
          + "$1::timestamptz[], $2::timestamptz[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[],"
          + " $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]" + UNNEST_ALIAS
          + onConflict;
    }

    @Override
    public String name() {
      return "vertx-unnest";
    }

    @Override
    public void write(List<Span> batch) throws Exception {
      int n = batch.size();
      OffsetDateTime[] starts = new OffsetDateTime[n];
      OffsetDateTime[] ends = new OffsetDateTime[n];
      Long[] durations = new Long[n];
      String[][] text = new String[11][n];
      for (int r = 0; r < n; r++) {
        Span s = batch.get(r);
        starts[r] = time(s.startEpochMillis());
        ends[r] = s.endEpochMillis() == null ? null : time(s.endEpochMillis());
        durations[r] = s.durationMs();
        text[0][r] = s.traceId();
        text[1][r] = tenant(s);
        text[2][r] = s.id();
        text[3][r] = s.parentSpanId();
        text[4][r] = s.spanName();
        text[5][r] = s.spanKind().wire();
        text[6][r] = s.status().wire();
        text[7][r] = s.ticketId();
        text[8][r] = s.agentId();
        text[9][r] = s.attributesJson();
        text[10][r] = s.eventsJson();
      }
      Tuple t = Tuple.tuple().addArrayOfOffsetDateTime(starts).addArrayOfOffsetDateTime(ends)
          .addArrayOfLong(durations);
      for (String[] column : text) {
        t.addArrayOfString(column);
      }
      // One statement: in auto-commit mode it is its own transaction.
      await(conn.preparedQuery(sql).execute(t));
    }
  }
}
