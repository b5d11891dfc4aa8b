package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark (not a test): raw-JDBC insert rate of candidate agent_traces layouts, to choose the table layout.
 * Run: see storage-verticle/README.md. Args: [spans (default 1000000)] [batch (default 5000)] [layouts...]
 */
public final class SqliteLayoutBenchmark {

  private static final String COLUMNS = "id TEXT NOT NULL, tenant_id TEXT, ticket_id TEXT, agent_id TEXT, "
      + "trace_id TEXT NOT NULL, parent_span_id TEXT, span_name TEXT NOT NULL, "
      + "span_kind TEXT CHECK(span_kind IN ('internal', 'client', 'server')), "
      + "status TEXT CHECK(status IN ('ok', 'error', 'unset')), start_time TEXT NOT NULL, end_time TEXT, "
      + "duration_ms INTEGER, attributes JSON DEFAULT '{}', events JSON DEFAULT '[]', "
      + "created_at TEXT DEFAULT (datetime('now'))";

  private static String ddl(String layout) {
    switch (layout) {
      case "design-random-pk":
        return "CREATE TABLE agent_traces (" + "id TEXT PRIMARY KEY," + COLUMNS.substring("id TEXT NOT NULL,".length()) + ")";
      case "rowid-pk":
        return "CREATE TABLE agent_traces (" + COLUMNS + ", PRIMARY KEY (trace_id, id))";
      case "without-rowid":
        return "CREATE TABLE agent_traces (" + COLUMNS + ", PRIMARY KEY (trace_id, id)) WITHOUT ROWID";
      default:
        throw new IllegalArgumentException(layout);
    }
  }

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    List<String> layouts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      layouts.add(args[i]);
    }
    if (layouts.isEmpty()) {
      layouts = List.of("rowid-pk", "without-rowid");
    }
    for (String layout : layouts) {
      run(layout, total, batch);
    }
  }

  private static void run(String layout, int total, int batch) throws Exception {
    Path dir = Files.createTempDirectory("layout-bench");
    Path db = dir.resolve("bench.db");
    SyntheticTraces gen = new SyntheticTraces(42);
    boolean migrated = layout.equals("migrated");
    if (migrated) {
      SchemaMigrator.fromClasspath().migrate(SqliteSettings.defaults(db));
    }
    try (Connection c = migrated ? SqliteSettings.defaults(db).openConnection()
        : DriverManager.getConnection("jdbc:sqlite:" + db)) {
      if (!migrated) try (Statement s = c.createStatement()) {
        s.execute("PRAGMA page_size=" + Integer.getInteger("page_size", 4096));
        s.execute("PRAGMA journal_mode=" + System.getProperty("journal_mode", "WAL"));
        s.execute("PRAGMA wal_autocheckpoint=" + Integer.getInteger("wal_autocheckpoint", 1000));
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA cache_size=-" + Integer.getInteger("cache_kb", 65536));
        s.execute(ddl(layout));
      }
      c.setAutoCommit(false);
      String sql = migrated ? TraceWriter.UPSERT_SPAN : "INSERT INTO agent_traces (id, tenant_id, ticket_id, agent_id, trace_id, parent_span_id, span_name,"
          + " span_kind, status, start_time, end_time, duration_ms, attributes, events)"
          + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
          + (layout.equals("design-random-pk") ? " ON CONFLICT(id) DO UPDATE SET span_name=excluded.span_name"
              : " ON CONFLICT(trace_id, id) DO UPDATE SET span_name=excluded.span_name");
      int written = 0;
      long genNanos = 0;
      var threads = java.lang.management.ManagementFactory.getThreadMXBean();
      long genCpu = 0;
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        while (written < total) {
          long g0 = System.nanoTime();
          long gc0 = threads.getCurrentThreadCpuTime();
          List<Span> spans = new ArrayList<>(batch + 30);
          while (spans.size() < batch) {
            spans.addAll(gen.trace());
          }
          genNanos += System.nanoTime() - g0;
          genCpu += threads.getCurrentThreadCpuTime() - gc0;
          for (Span sp : spans) {
            if (migrated) {
              io.vertx.sqlclient.Tuple t = TraceWriter.spanRow(sp);
              for (int k = 0; k < 14; k++) {
                ps.setObject(k + 1, t.getValue(k));
              }
              ps.addBatch();
              continue;
            }
            ps.setString(1, sp.id());
            ps.setString(2, sp.tenantId());
            ps.setString(3, sp.ticketId());
            ps.setString(4, sp.agentId());
            ps.setString(5, sp.traceId());
            if (sp.parentSpanId() == null) {
              ps.setNull(6, Types.VARCHAR);
            } else {
              ps.setString(6, sp.parentSpanId());
            }
            ps.setString(7, sp.spanName());
            ps.setString(8, sp.spanKind().wire());
            ps.setString(9, sp.status().wire());
            ps.setString(10, SyntheticTraces.iso(sp.startEpochMillis()));
            ps.setString(11, SyntheticTraces.iso(sp.endEpochMillis()));
            ps.setLong(12, sp.durationMs());
            ps.setString(13, sp.attributesJson());
            ps.setString(14, sp.eventsJson());
            ps.addBatch();
          }
          if (Boolean.getBoolean("skip_exec")) {
            ps.clearBatch();
          } else {
            ps.executeBatch();
          }
          c.commit();
          written += spans.size();
        }
      }
      double secs = (System.nanoTime() - t0 - genNanos) / 1e9;
      double cpuSecs = (threads.getCurrentThreadCpuTime() - cpu0 - genCpu) / 1e9;
      try (Statement s = c.createStatement()) {
        c.setAutoCommit(true);
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      long bytes = Files.size(db);
      System.out.printf("%-18s spans=%d batch=%d  %.0f rows/s wall, %.0f rows per CPU-second (excl. generation)  db=%.1f MB  %.1f MB per 1M spans%n",
          layout, written, batch, written / secs, written / cpuSecs, bytes / 1e6, bytes / 1e6 * 1_000_000 / written);
    }
    try (var files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    Files.delete(dir);
  }
}
