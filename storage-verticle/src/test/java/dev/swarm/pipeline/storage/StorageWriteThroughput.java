package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Benchmark (not a test): sustained write rate of {@link TraceWriter} through a single-connection JDBCPool into
 * a fresh migrated SQLite file (background WAL checkpoints every second, as in the service), with realistic traces (15–25 spans, 3–5 attributes, 2 events per span).
 *
 * <p>Each batch is generated on the main thread, then written; generation time is left out of the rate. Besides
 * wall-clock spans/s it prints spans per CPU-second of all threads but main (the writer path: event loop, JDBC
 * worker, GC, JIT), which is steadier than wall time on a shared machine.
 *
 * <p>Args: [measured spans (default 1000000)] [spans per batch (default 5000)] [late updates in percent
 * (default 0)] [warm-up spans written first, not measured (default 200000)].
 * Run: see storage-verticle/README.md.
 */
public final class StorageWriteThroughput {

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int batchSpans = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
    int latePercent = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    int warmupSpans = args.length > 3 ? Integer.parseInt(args[3]) : 200_000;
    Path dir = Files.createTempDirectory("storage-bench");
    Path db = dir.resolve("swarm.db");
    SqliteSettings defaults = SqliteSettings.defaults(db);
    // -DwriterCacheMb=N tries another writer page cache (SQLITE_WRITER_CACHE_MB).
    SqliteSettings settings = new SqliteSettings(db, defaults.busyTimeoutMs(),
        Integer.getInteger("writerCacheMb", defaults.writerCacheKb() / 1024) * 1024, defaults.readerCacheKb(),
        defaults.journalSizeLimitBytes());
    Vertx vertx = Vertx.vertx();
    StorageDatabase database = Await.await(StorageDatabase.open(vertx, settings, 1, 5000, 1000));
    TraceWriter writer = new TraceWriter(database::newWriterPool);
    SyntheticTraces gen = new SyntheticTraces(7);
    Deque<Span> recentRoots = new ArrayDeque<>();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    long written = 0;
    long lateMessages = 0;
    long batches = 0;
    long writeNanos = 0;
    long mainCpu0 = 0;
    long processCpu0 = 0;
    long vertxCpu0 = 0;
    boolean measuring = false;
    while (written < total) {
      if (!measuring && written >= warmupSpans) {
        // Warm-up done (JIT compiled, caches filled): measure from here.
        measuring = true;
        written = 0;
        lateMessages = 0;
        batches = 0;
        writeNanos = 0;
        mainCpu0 = threads.getCurrentThreadCpuTime();
        processCpu0 = os.getProcessCpuTime();
        vertxCpu0 = vertxThreadsCpuNanos(threads);
      }
      List<TraceRecord> batch = new ArrayList<>();
      int spans = 0;
      while (spans < batchSpans) {
        TraceRecord m;
        if (latePercent > 0 && recentRoots.size() > 100 && Math.floorMod(gen.hex(4).hashCode(), 100) < latePercent) {
          // A late span under the root of a trace written a few batches ago.
          Span root = recentRoots.pollFirst();
          Span late = new Span(gen.hex(16), root.traceId(), root.id(), "late.work", root.spanKind(), root.status(),
              root.startEpochMillis() + 5, root.startEpochMillis() + 10, 5L, root.tenantId(), root.ticketId(),
              root.agentId(), "{}", "[]", 0);
          m = new TraceRecord(root.traceId(), TraceVerdict.LATE, 1, 0, 0, 0, 0, null, null, List.of(late));
          lateMessages++;
        } else {
          List<Span> trace = gen.trace();
          Span root = trace.get(0);
          m = new TraceRecord(root.traceId(), TraceVerdict.COMPLETE, trace.size(), 1, 0, 0, 0,
              root.startEpochMillis(), root.startEpochMillis() + 5000, trace);
          recentRoots.addLast(root);
          if (recentRoots.size() > 2000) {
            recentRoots.pollFirst();
          }
        }
        batch.add(m);
        spans += m.spans().size();
      }
      long t0 = System.nanoTime();
      written += Await.await(writer.write(batch)).spans();
      writeNanos += System.nanoTime() - t0;
      batches++;
    }
    long mainCpu = threads.getCurrentThreadCpuTime() - mainCpu0;
    long vertxThreadsCpu = vertxThreadsCpuNanos(threads) - vertxCpu0;
    double writerCpuSecs = (os.getProcessCpuTime() - processCpu0 - mainCpu) / 1e9;
    double secs = writeNanos / 1e9;
    Await.await(writer.close());
    Await.await(database.close());
    vertx.close().toCompletionStage().toCompletableFuture().get();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    long bytes = Files.size(db);
    System.out.printf("TraceWriter (after %d warm-up spans): %d spans, %d batches of ~%d spans, %d late-update messages: %.1f s writing,"
            + " %.0f spans/s wall, %.0f spans per writer-CPU-second (%.0f per Vert.x-threads-CPU-second);"
            + " db %.1f MB = %.1f MB per 1M spans; load average %.2f%n",
        warmupSpans, written, batches, batchSpans, lateMessages, secs, written / secs, written / writerCpuSecs,
        written / (vertxThreadsCpu / 1e9), bytes / 1e6,
        bytes / 1e6 * 1_000_000 / (written + warmupSpans), os.getSystemLoadAverage());
    try (var files = Files.list(dir)) {
      files.forEach(p -> p.toFile().delete());
    }
    Files.delete(dir);
  }

  /** CPU time of the event-loop and worker threads (JDBC runs on the workers), GC and JIT left out. */
  private static long vertxThreadsCpuNanos(ThreadMXBean threads) {
    long sum = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("vert.x-")) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }
}
