package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.SqliteSettings;
import dev.swarm.pipeline.storage.StorageDatabase;
import dev.swarm.pipeline.storage.TraceWriter;
import dev.swarm.pipeline.storage.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.sqlite.SQLiteDataSource;

/**
 * Benchmark (not a test): the real writers, batch by batch, as storage runs them. The same batches (realistic traces
 * of 8–12 spans with about 1 KB of attributes and two events each, {@link BenchSpans}; {@code -Dlate=N} makes N% of
 * the messages late spans of traces written a little earlier, which the writers merge by recomputing) go through:
 *
 * <ul>
 *   <li>{@code postgres}: {@link PostgresTraceWriter} on a {@link PostgresServer} (fsync on, synchronous_commit on),
 *       a fresh migrated database per run with today's partitions made;
 *   <li>{@code sqlite}: storage-verticle's {@link TraceWriter} on a fresh file, as the service runs it (WAL,
 *       synchronous=NORMAL: a commit is not fsynced, the WAL is at each checkpoint; background checkpoints every
 *       second);
 *   <li>{@code sqlite-full}: the same with synchronous=FULL (every commit fsynced, as PostgreSQL does);
 *   <li>{@code postgres-2}: two {@link PostgresTraceWriter}s (own pools and connections) on one database, writing at
 *       once, each the traces of its half (by trace id, as two aggregators of one consumer group), batched as one
 *       writer's; the run ends when both are done.
 * </ul>
 *
 * <p>Each backend writes a warm-up set first (other traces, not measured). Runs alternate the backends round by round,
 * so drift on a shared machine spreads over all; the table gives the median of the rounds. Besides spans/s it reports
 * this JVM's CPU per span (for SQLite that includes the database engine, which runs inside the JVM), the CPU of all
 * PostgreSQL server processes per span, and the stored bytes per span.
 *
 * <p>Args: [spans per run (default 300000)] [spans per batch (default 5000)] [rounds (default 3)]
 * [backends (default postgres,sqlite,sqlite-full)]. Run: see storage-postgres/README.md.
 */
public final class PostgresTraceWriterBench {

  interface Backend extends AutoCloseable {
    Future<WriteResult> write(List<TraceRecord> batch);

    /** Writes all the batches, one after the other; spans written. */
    default long writeAll(List<List<TraceRecord>> batches) {
      long written = 0;
      for (List<TraceRecord> batch : batches) {
        written += await(write(batch)).spans();
      }
      return written;
    }

    /** Bytes stored, after the run. */
    long bytes() throws Exception;

    @Override
    void close() throws Exception;
  }

  record Run(double spansPerSecond, double jvmMicrosPerSpan, double serverMicrosPerSpan, double bytesPerSpan,
      double loadAverage) {}

  public static void main(String[] args) throws Exception {
    int spansPerRun = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int batchSpans = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<String> backends = List.of((args.length > 3 ? args[3] : "postgres,sqlite,sqlite-full").split(","));
    int latePercent = Integer.getInteger("late", 0);

    LocalDate day = LocalDate.now(ZoneOffset.UTC);
    long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    List<List<TraceRecord>> warmup = batches(new BenchSpans(3, dayStart + 600_000).traces(50_000, 8, 12), batchSpans,
        latePercent);
    List<List<TraceRecord>> batches = batches(new BenchSpans(7, dayStart + 3_600_000).traces(spansPerRun, 8, 12),
        batchSpans, latePercent);
    long spans = batches.stream().flatMap(List::stream).mapToLong(m -> m.spans().size()).sum();
    long messages = batches.stream().mapToLong(List::size).sum();
    long lateMessages = batches.stream().flatMap(List::stream).filter(m -> m.verdict() == TraceVerdict.LATE).count();
    double jsonBytes = batches.stream().flatMap(List::stream).flatMap(m -> m.spans().stream())
        .mapToLong(s -> s.attributesJson().length() + s.eventsJson().length()).sum() / (double) spans;
    System.out.printf(Locale.ROOT, "%,d spans in %d batches of ~%d spans, %,d messages (%,d late), %.0f bytes of"
        + " attributes+events JSON per span, %d rounds%n", spans, batches.size(), batchSpans, messages, lateMessages,
        jsonBytes, rounds);

    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("trace-writer-bench");
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (PostgresServer pg = PostgresServer.builder().database("bench").start()) {
      System.out.println("PostgreSQL " + pg.serverVersion() + ", settings " + PostgresServer.defaultSettings());
      PostgresServer.Database admin = new PostgresServer.Database(pg.database().host(), pg.database().port(),
          pg.database().name(), PostgresServer.SUPERUSER, pg.adminDatabase().password());
      int[] next = {0};
      Map<String, Function<String, Backend>> makers = new LinkedHashMap<>();
      makers.put("postgres", name -> postgres(vertx, pg, admin, name + next[0]++, day));
      makers.put("sqlite", name -> sqlite(vertx, dir.resolve(name + next[0]++ + ".db"), false));
      makers.put("postgres-2", name -> postgresTwoWriters(vertx, pg, admin, name + next[0]++, day, batchSpans));
      makers.put("sqlite-full", name -> sqlite(vertx, dir.resolve(name + next[0]++ + ".db"), true));

      for (String b : backends) {
        try (Backend backend = makers.get(b).apply("warmup")) {
          backend.writeAll(warmup);
        }
      }
      Map<String, List<Run>> results = new LinkedHashMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (String b : backends) {
          try (Backend backend = makers.get(b).apply("run")) {
            checkpoint(admin);
            long serverBefore = serverCpuNanos(pg);
            long jvmBefore = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            long written = backend.writeAll(batches);
            long elapsed = System.nanoTime() - t0;
            long jvm = os.getProcessCpuTime() - jvmBefore;
            long server = serverCpuNanos(pg) - serverBefore;
            if (written != spans) {
              throw new IllegalStateException(b + " wrote " + written + " spans of " + spans);
            }
            Run r = new Run(spans / (elapsed / 1e9), jvm / 1e3 / spans, b.startsWith("postgres") ? server / 1e3 / spans : 0,
                (double) backend.bytes() / spans, os.getSystemLoadAverage());
            results.computeIfAbsent(b, k -> new ArrayList<>()).add(r);
            System.out.printf(Locale.ROOT, "round %d  %-12s %,9.0f spans/s  JVM %.1f us/span  server %.1f us/span"
                    + "  %,.0f B/span  load average %.2f%n", round, b, r.spansPerSecond, r.jvmMicrosPerSpan,
                r.serverMicrosPerSpan, r.bytesPerSpan, r.loadAverage);
          }
        }
      }
      System.out.println();
      System.out.println("| backend | spans/s (median of " + rounds + ") | min–max | JVM CPU µs/span"
          + " | PostgreSQL CPU µs/span | stored bytes/span | load average during the runs |");
      System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
      for (Map.Entry<String, List<Run>> e : results.entrySet()) {
        List<Run> runs = e.getValue();
        double[] rates = runs.stream().mapToDouble(Run::spansPerSecond).sorted().toArray();
        double[] loads = runs.stream().mapToDouble(Run::loadAverage).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f–%,.0f | %.1f | %s | %,.0f | %.1f–%.1f |%n", e.getKey(),
            median(runs, Run::spansPerSecond), rates[0], rates[rates.length - 1], median(runs, Run::jvmMicrosPerSpan),
            e.getKey().startsWith("postgres") ? String.format(Locale.ROOT, "%.1f", median(runs, Run::serverMicrosPerSpan))
                : "–", median(runs, Run::bytesPerSpan), loads[0], loads[loads.length - 1]);
      }
    } finally {
      await(vertx.close());
      try (Stream<Path> files = Files.list(dir)) {
        files.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  /** Messages in batches of at least {@code batchSpans} spans; late ones under roots written a little earlier. */
  static List<List<TraceRecord>> batches(List<List<Span>> traces, int batchSpans, int latePercent) {
    List<List<TraceRecord>> out = new ArrayList<>();
    List<TraceRecord> batch = new ArrayList<>();
    Deque<Span> recentRoots = new ArrayDeque<>();
    int spans = 0;
    int i = 0;
    for (List<Span> trace : traces) {
      Span root = trace.get(0);
      TraceRecord m;
      if (latePercent > 0 && recentRoots.size() > 1000 && Math.floorMod(i++ * 7919, 100) < latePercent) {
        Span earlier = recentRoots.pollFirst();
        Span late = trace.get(trace.size() - 1);
        late = new Span(late.id(), earlier.traceId(), earlier.id(), late.spanName(), late.spanKind(), late.status(),
            earlier.startEpochMillis() + 5, earlier.startEpochMillis() + 10, 5L, earlier.tenantId(),
            earlier.ticketId(), earlier.agentId(), late.attributesJson(), late.eventsJson(), late.eventCount());
        m = new TraceRecord(earlier.traceId(), TraceVerdict.LATE, 1, 0, 0, 0, 0, null, null, List.of(late));
      } else {
        m = new TraceRecord(root.traceId(), TraceVerdict.COMPLETE, trace.size(), 1, 0, 0, 0, root.startEpochMillis(),
            root.startEpochMillis() + 5000, trace);
        recentRoots.addLast(root);
        if (recentRoots.size() > 5000) {
          recentRoots.pollFirst();
        }
      }
      batch.add(m);
      spans += m.spans().size();
      if (spans >= batchSpans) {
        out.add(batch);
        batch = new ArrayList<>();
        spans = 0;
      }
    }
    if (!batch.isEmpty()) {
      out.add(batch);
    }
    return out;
  }

  private static Backend postgres(Vertx vertx, PostgresServer pg, PostgresServer.Database admin, String name,
      LocalDate day) {
    PostgresServer.Database db = pg.createDatabase(name);
    PostgresSchema.migrate(db);
    try (Connection c = db.connect()) {
      new PostgresPartitions().createAhead(c, day, 1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    PostgresTraceWriter writer = PostgresTraceWriter.create(vertx, PgConnectOptions.fromUri(db.uri()));
    return new Backend() {
      @Override
      public Future<WriteResult> write(List<TraceRecord> batch) {
        return writer.write(batch);
      }

      @Override
      public long bytes() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT sum(pg_total_relation_size(p.relid)) FROM (SELECT relid FROM pg_partition_tree('agent_traces')"
                + " UNION ALL SELECT relid FROM pg_partition_tree('trace_summaries')"
                + " UNION ALL SELECT relid FROM pg_partition_tree('trace_services')"
                + " UNION ALL SELECT 'service_span_names'::regclass) p")) {
          rs.next();
          return rs.getLong(1);
        }
      }

      @Override
      public void close() throws SQLException {
        await(writer.close());
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
          s.execute("DROP DATABASE " + name);
        }
      }
    };
  }

  /** Two writers on one database, each the traces of its half, at once. */
  private static Backend postgresTwoWriters(Vertx vertx, PostgresServer pg, PostgresServer.Database admin, String name,
      LocalDate day, int batchSpans) {
    Backend one = postgres(vertx, pg, admin, name, day);
    PostgresServer.Database db = new PostgresServer.Database(pg.database().host(), pg.database().port(), name,
        pg.database().user(), pg.database().password());
    PostgresTraceWriter second = PostgresTraceWriter.create(vertx, PgConnectOptions.fromUri(db.uri()));
    return new Backend() {
      @Override
      public Future<WriteResult> write(List<TraceRecord> batch) {
        return one.write(batch);
      }

      @Override
      public long writeAll(List<List<TraceRecord>> batches) {
        List<List<List<TraceRecord>>> halves = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<TraceRecord>> open = List.of(new ArrayList<>(), new ArrayList<>());
        int[] spans = {0, 0};
        for (TraceRecord m : (Iterable<TraceRecord>) batches.stream().flatMap(List::stream)::iterator) {
          int h = Math.floorMod(m.traceId().hashCode(), 2);
          open.get(h).add(m);
          spans[h] += m.spans().size();
          if (spans[h] >= batchSpans) {
            halves.get(h).add(new ArrayList<>(open.get(h)));
            open.get(h).clear();
            spans[h] = 0;
          }
        }
        for (int h = 0; h < 2; h++) {
          if (!open.get(h).isEmpty()) {
            halves.get(h).add(open.get(h));
          }
        }
        java.util.concurrent.CompletableFuture<Long> a = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> one.writeAll(halves.get(0)));
        long b = 0;
        for (List<TraceRecord> batch : halves.get(1)) {
          b += await(second.write(batch)).spans();
        }
        return a.join() + b;
      }

      @Override
      public long bytes() throws Exception {
        return one.bytes();
      }

      @Override
      public void close() throws Exception {
        await(second.close());
        one.close();
      }
    };
  }

  private static Backend sqlite(Vertx vertx, Path file, boolean fsyncEveryCommit) {
    SqliteSettings settings = SqliteSettings.defaults(file);
    StorageDatabase database = await(StorageDatabase.open(vertx, settings, 1, 5000, 1000));
    TraceWriter writer = new TraceWriter(() -> {
      SQLiteDataSource ds = settings.writerDataSource();
      if (fsyncEveryCommit) {
        ds.setSynchronous("FULL");
      }
      return JDBCPool.pool(vertx, ds, new PoolOptions().setMaxSize(1));
    });
    return new Backend() {
      @Override
      public Future<WriteResult> write(List<TraceRecord> batch) {
        return writer.write(batch);
      }

      @Override
      public long bytes() throws SQLException {
        try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
          s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        try {
          return Files.size(file);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void close() throws IOException {
        await(writer.close());
        await(database.close());
        for (String suffix : List.of("", "-wal", "-shm")) {
          Files.deleteIfExists(Path.of(file + suffix));
        }
      }
    };
  }

  private static void checkpoint(PostgresServer.Database admin) throws SQLException {
    try (Connection c = admin.connect(); Statement s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
  }

  /** utime + stime of the postmaster and all its children (backends, WAL writer, checkpointer…), from /proc. */
  private static long serverCpuNanos(PostgresServer pg) throws IOException {
    String pid = Files.readAllLines(pg.directory().resolve("data").resolve("postmaster.pid")).get(0).trim();
    long ticks = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (name.equals(pid) || f[1].equals(pid)) { // f[1] is the parent's pid
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        }
        if (name.equals(pid)) {
          ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]); // of children that ended (autovacuum workers…)
        }
      }
    }
    return ticks * 10_000_000L; // clock ticks of 10 ms
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
