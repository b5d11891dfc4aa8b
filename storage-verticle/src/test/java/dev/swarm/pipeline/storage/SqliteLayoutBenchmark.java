package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.JsonCursor;
import dev.swarm.pipeline.schema.NormalizedSpanReader;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanWriter;
import dev.swarm.pipeline.schema.Timestamps;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Benchmark (not a test): raw-JDBC insert rate, size and read-by-key cost of candidate agent_traces layouts,
 * used to choose the table layout. Same realistic spans as {@link StorageWriteThroughput}, one transaction per batch, WAL,
 * synchronous=NORMAL, 64 MiB cache.
 *
 * <p>Layouts: {@code design-random-pk} (the design: span id alone as PRIMARY KEY), {@code rowid-pk} (rowid table,
 * PRIMARY KEY (trace_id, id) as its own index; the chosen one), {@code without-rowid} (the table itself keyed
 * (trace_id, id)), and the one-row-per-trace candidates {@code trace-blob} and {@code trace-blob+names} (see
 * {@link #addBlobs}). Args: [spans (default 1000000)] [spans per batch (default 5000)] [layouts...]; system
 * property {@code page_size} (default 8192). Run: see storage-verticle/README.md.
 */
public final class SqliteLayoutBenchmark {

  private static final String COLUMNS = "id TEXT NOT NULL, tenant_id TEXT, ticket_id TEXT, agent_id TEXT,"
      + " trace_id TEXT NOT NULL, parent_span_id TEXT, span_name TEXT NOT NULL,"
      + " span_kind TEXT CHECK(span_kind IN ('internal', 'client', 'server')),"
      + " status TEXT CHECK(status IN ('ok', 'error', 'unset')), start_time TEXT NOT NULL, end_time TEXT,"
      + " duration_ms INTEGER, attributes JSON DEFAULT '{}', events JSON DEFAULT '[]',"
      + " created_at TEXT DEFAULT (datetime('now'))";

  private static String ddl(String layout) {
    return switch (layout) {
      case "design-random-pk" -> "CREATE TABLE agent_traces (id TEXT PRIMARY KEY,"
          + COLUMNS.substring("id TEXT NOT NULL,".length()) + ")";
      case "rowid-pk" -> "CREATE TABLE agent_traces (" + COLUMNS + ", PRIMARY KEY (trace_id, id))";
      case "without-rowid" -> "CREATE TABLE agent_traces (" + COLUMNS + ", PRIMARY KEY (trace_id, id)) WITHOUT ROWID";
      case "trace-blob", "trace-blob+names" -> "CREATE TABLE trace_blobs (trace_id TEXT NOT NULL, tenant_id TEXT NOT NULL,"
          + " start_time TEXT NOT NULL, span_count INTEGER NOT NULL, spans BLOB NOT NULL,"
          + " PRIMARY KEY (trace_id, tenant_id))";
      default -> throw new IllegalArgumentException("unknown layout " + layout);
    };
  }

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    List<String> layouts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      layouts.add(args[i]);
    }
    if (layouts.isEmpty()) {
      layouts = List.of("design-random-pk", "rowid-pk", "without-rowid", "trace-blob", "trace-blob+names");
    }
    for (String layout : layouts) {
      run(layout, total, batch);
    }
  }

  /**
   * Writes {@code total} spans in transactions of about {@code batch}, then reads a sample back. Generating the spans
   * (and, for the blob layouts, encoding each trace's JSON array, as storage would receive it in a swarm.traces
   * record) is kept off the clocks.
   */
  private static void run(String layout, int total, int batch) throws Exception {
    boolean blobs = layout.startsWith("trace-blob");
    boolean names = layout.endsWith("+names");
    Path dir = Files.createTempDirectory("layout-bench");
    Path db = dir.resolve("bench.db");
    SyntheticTraces gen = new SyntheticTraces(42);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      prepare(c, layout);
      c.setAutoCommit(false);
      int written = 0;
      List<String[]> sampled = new ArrayList<>();
      long genNanos = 0;
      long genCpu = 0;
      long cpu0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      // Only the statements of this layout are prepared; try-with-resources skips the null ones.
      try (PreparedStatement rows = blobs ? null : c.prepareStatement(rowInsert(layout));
          PreparedStatement blob = blobs ? c.prepareStatement(BLOB_INSERT) : null;
          PreparedStatement name = names ? c.prepareStatement(NAME_INSERT) : null) {
        while (written < total) {
          long g0 = System.nanoTime();
          long gc0 = threads.getCurrentThreadCpuTime();
          List<List<Span>> traces = new ArrayList<>();
          List<byte[]> encoded = new ArrayList<>();
          int spans = 0;
          while (spans < batch) {
            List<Span> trace = gen.trace();
            sample(sampled, trace);
            traces.add(trace);
            if (blobs) {
              encoded.add(SpanWriter.writeArray(trace));
            }
            spans += trace.size();
          }
          genNanos += System.nanoTime() - g0;
          genCpu += threads.getCurrentThreadCpuTime() - gc0;
          if (blobs) {
            addBlobs(blob, name, traces, encoded);
          } else {
            addRows(rows, traces);
          }
          c.commit();
          written += spans;
        }
      }
      report(layout, db, written, batch, (System.nanoTime() - t0 - genNanos) / 1e9,
          (threads.getCurrentThreadCpuTime() - cpu0 - genCpu) / 1e9, c);
      if (layout.equals("design-random-pk")) {
        System.out.printf("%-17s not read back: the design's layout has no index on trace_id%n", layout);
      } else {
        readBack(layout, c, sampled);
      }
    }
    deleteTree(dir);
  }

  private static final String BLOB_INSERT = "INSERT INTO trace_blobs (trace_id, tenant_id, start_time, span_count,"
      + " spans) VALUES (?, ?, ?, ?, ?) ON CONFLICT (trace_id, tenant_id) DO UPDATE SET spans = excluded.spans,"
      + " span_count = excluded.span_count";

  private static final String NAME_INSERT = "INSERT OR IGNORE INTO trace_span_names (trace_id, span_name) VALUES (?, ?)";

  private static String rowInsert(String layout) {
    String key = layout.equals("design-random-pk") ? "id" : "trace_id, id";
    return "INSERT INTO agent_traces (id, tenant_id, ticket_id, agent_id, trace_id, parent_span_id, span_name,"
        + " span_kind, status, start_time, end_time, duration_ms, attributes, events)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        + " ON CONFLICT (" + key + ") DO UPDATE SET span_name = excluded.span_name";
  }

  /** One row per span. */
  private static void addRows(PreparedStatement ps, List<List<Span>> traces) throws Exception {
    for (List<Span> trace : traces) {
      for (Span sp : trace) {
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
        ps.setString(10, Timestamps.formatIso(sp.startEpochMillis()));
        ps.setString(11, Timestamps.formatIso(sp.endEpochMillis()));
        ps.setLong(12, sp.durationMs());
        ps.setString(13, sp.attributesJson());
        ps.setString(14, sp.eventsJson());
        ps.addBatch();
      }
    }
    ps.executeBatch();
  }

  /**
   * One row per trace, its spans as one blob; with {@code names} (trace-blob+names) also the narrow index a
   * span_name search would need, one row per distinct span name of a trace.
   */
  private static void addBlobs(PreparedStatement blob, PreparedStatement names, List<List<Span>> traces,
      List<byte[]> encoded) throws Exception {
    for (int i = 0; i < traces.size(); i++) {
      List<Span> trace = traces.get(i);
      Span root = trace.get(0);
      blob.setString(1, root.traceId());
      blob.setString(2, root.tenantId());
      blob.setString(3, Timestamps.formatIso(root.startEpochMillis()));
      blob.setInt(4, trace.size());
      blob.setBytes(5, encoded.get(i));
      blob.addBatch();
      if (names != null) {
        Set<String> seen = new HashSet<>();
        for (Span sp : trace) {
          if (seen.add(sp.spanName())) {
            names.setString(1, sp.traceId());
            names.setString(2, sp.spanName());
            names.addBatch();
          }
        }
      }
    }
    blob.executeBatch();
    if (names != null) {
      names.executeBatch();
    }
  }

  /** One trace in 20, chosen by its id's hash: its key, for {@link #readBack}. */
  private static void sample(List<String[]> sampled, List<Span> trace) {
    if (Math.floorMod(trace.get(0).traceId().hashCode(), 20) == 0) {
      sampled.add(new String[] {trace.get(0).traceId(), trace.get(0).tenantId()});
    }
  }

  /**
   * Reads sampled traces back by key, as a read by id would, to the point where the spans are in memory: the rows'
   * columns, or the blob parsed by the reader storage uses for swarm.traces records. CPU per trace read, on the
   * third pass over the sample.
   */
  private static void readBack(String layout, Connection c, List<String[]> sampled) throws Exception {
    boolean blob = layout.startsWith("trace-blob");
    String sql = blob
        ? "SELECT spans FROM trace_blobs WHERE trace_id = ? AND tenant_id = ?"
        : "SELECT id, parent_span_id, span_name, span_kind, status, start_time, end_time, duration_ms, tenant_id,"
            + " ticket_id, agent_id, attributes, events FROM agent_traces WHERE trace_id = ?";
    NormalizedSpanReader reader = new NormalizedSpanReader(SpanLimits.DEFAULTS);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long spans = 0;
    long sink = 0;
    long cpu0 = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int pass = 0; pass < 3; pass++) {
        // Passes 0 and 1 warm the JIT and the caches; pass 2 is measured.
        spans = 0;
        cpu0 = threads.getCurrentThreadCpuTime();
        for (String[] key : sampled) {
          ps.setString(1, key[0]);
          if (blob) {
            ps.setString(2, key[1]);
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              if (blob) {
                List<Span> read = reader.readArray(new JsonCursor(rs.getBytes(1)));
                spans += read.size();
                sink += read.get(read.size() - 1).attributesJson().length();
              } else {
                for (int i = 1; i <= 13; i++) {
                  Object v = i == 8 ? (Object) rs.getLong(i) : rs.getString(i);
                  sink += v == null ? 0 : 1;
                }
                spans++;
              }
            }
          }
        }
      }
    }
    double cpuMicros = (threads.getCurrentThreadCpuTime() - cpu0) / 1e3;
    System.out.printf("%-17s read back %d traces (%d spans) by key: %.1f µs of CPU per trace, %.2f per span (%d)%n",
        layout, sampled.size(), spans, cpuMicros / sampled.size(), cpuMicros / spans, sink % 2);
  }

  private static void prepare(Connection c, String layout) throws Exception {
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA page_size=" + Integer.getInteger("page_size", 8192));
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=NORMAL");
      s.execute("PRAGMA cache_size=-65536");
      s.execute(ddl(layout));
      if (layout.endsWith("+names")) {
        s.execute("CREATE TABLE trace_span_names (trace_id TEXT NOT NULL, span_name TEXT NOT NULL,"
            + " PRIMARY KEY (span_name, trace_id)) WITHOUT ROWID");
      }
    }
  }

  private static void report(String layout, Path db, int written, int batch, double secs, double cpuSecs,
      Connection c) throws Exception {
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    long bytes = Files.size(db);
    System.out.printf("%-17s %d spans, batches of %d: %.0f spans/s wall, %.0f spans per CPU-second (%.2f µs/span);"
            + " db %.1f MB = %.1f MB per 1M spans; load average %.2f%n",
        layout, written, batch, written / secs, written / cpuSecs, cpuSecs * 1e6 / written, bytes / 1e6,
        bytes / 1e6 * 1_000_000 / written, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    Files.delete(dir);
  }
}
