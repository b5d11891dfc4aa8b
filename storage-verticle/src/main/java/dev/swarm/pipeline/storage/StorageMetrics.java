package dev.swarm.pipeline.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trace_storage_* meters (dotted Micrometer names; the Prometheus registry turns dots into underscores and
 * adds {@code _total} to counters, {@code _seconds} to the timer). Gauges read atomics that the verticle updates,
 * so a scrape never touches the disk or the event loop's state.
 */
final class StorageMetrics {

  final AtomicLong queueSpans = new AtomicLong();
  final AtomicLong dbBytes = new AtomicLong();
  final AtomicLong diskFreeBytes = new AtomicLong();
  final AtomicLong diskTotalBytes = new AtomicLong();
  final AtomicLong walBytes = new AtomicLong();
  final AtomicLong usedBytes = new AtomicLong();
  final AtomicLong oldestTraceAgeSeconds = new AtomicLong();
  final AtomicLong retentionSeconds = new AtomicLong();
  final AtomicLong maxBytes = new AtomicLong();
  final AtomicLong writerHealthy = new AtomicLong(1);
  final Counter retentionDeletedSpans;
  final Counter retentionDeletedTraces;
  final Counter retentionFailures;
  final Counter vacuumedBytes;
  final Timer retentionStep;
  final Timer batchTime;
  final DistributionSummary batchSpans;
  final Counter spansWritten;
  final Counter tracesWritten;
  final Counter writeFailures;
  final Counter invalidRecords;
  final Counter commitFailures;

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  StorageMetrics(MeterRegistry registry) {
    this.registry = registry;
    gauge("trace.storage.queue.spans", "Spans waiting for their SQLite write (consumed from the traces topic, or handed over in process)",
        queueSpans);
    gauge("trace.storage.db.bytes", "Size of the SQLite database file plus its WAL", dbBytes);
    gauge("trace.storage.disk.free.bytes", "Usable bytes on the database's filesystem", diskFreeBytes);
    gauge("trace.storage.disk.total.bytes", "Size of the database's filesystem", diskTotalBytes);
    gauge("trace.storage.wal.bytes", "Size of the SQLite WAL file", walBytes);
    gauge("trace.storage.db.used.bytes", "Database pages in use (file pages minus free pages), what STORAGE_MAX_BYTES bounds",
        usedBytes);
    gauge("trace.storage.oldest.trace.age.seconds",
        "Time since storage last wrote the least recently written trace it holds (0 when empty)", oldestTraceAgeSeconds);
    gauge("trace.storage.retention.seconds", "TRACE_RETENTION in seconds (0 = traces are kept whatever their age)",
        retentionSeconds);
    gauge("trace.storage.max.bytes", "STORAGE_MAX_BYTES (0 = no size bound)", maxBytes);
    gauge("trace.storage.writer.healthy", "1 while batches commit, 0 while the current batch keeps failing",
        writerHealthy);
    retentionDeletedSpans = add(Counter.builder("trace.storage.retention.deleted.spans")
        .description("Span rows deleted by retention (age or size)").register(registry));
    retentionDeletedTraces = add(Counter.builder("trace.storage.retention.deleted.traces")
        .description("Traces deleted whole by retention (age or size)").register(registry));
    retentionFailures = add(Counter.builder("trace.storage.retention.failures")
        .description("Retention steps that failed (tried again later)").register(registry));
    vacuumedBytes = add(Counter.builder("trace.storage.retention.vacuumed.bytes")
        .description("Free database pages given back to the filesystem by incremental vacuum").register(registry));
    retentionStep = add(Timer.builder("trace.storage.retention.step")
        .description("One retention step (a deletion transaction between write batches)")
        .publishPercentileHistogram()
        .register(registry));
    batchTime = add(Timer.builder("trace.storage.batch")
        .description("Time to write one batch, from the first attempt to the SQLite commit")
        .publishPercentileHistogram()
        .register(registry));
    batchSpans = add(DistributionSummary.builder("trace.storage.batch.spans")
        .description("Spans per written batch")
        .publishPercentileHistogram()
        .register(registry));
    spansWritten = add(Counter.builder("trace.storage.spans.written")
        .description("Span rows upserted and committed").register(registry));
    tracesWritten = add(Counter.builder("trace.storage.traces.written")
        .description("Trace summaries written (one per trace per batch)").register(registry));
    writeFailures = add(Counter.builder("trace.storage.write.failures")
        .description("Failed batch write attempts (each is retried)").register(registry));
    invalidRecords = add(Counter.builder("trace.storage.records.invalid")
        .description("swarm.traces records that could not be decoded and were skipped").register(registry));
    commitFailures = add(Counter.builder("trace.storage.offset.commit.failures")
        .description("Failed Kafka offset commits (the batch is read and upserted again later)").register(registry));
  }

  /** Measures the database and WAL files and their filesystem; blocking file I/O, call from a worker. */
  void measureDisk(Path database) {
    long wal = sizeOrZero(database.resolveSibling(database.getFileName() + "-wal"));
    walBytes.set(wal);
    dbBytes.set(sizeOrZero(database) + wal);
    try {
      Path dir = database.toAbsolutePath().getParent();
      FileStore store = Files.getFileStore(dir);
      diskFreeBytes.set(store.getUsableSpace());
      diskTotalBytes.set(store.getTotalSpace());
    } catch (IOException e) {
      // keep the last values
    }
  }

  private static long sizeOrZero(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0; // absent (no WAL yet)
    }
  }

  /** Unregisters every meter (a redeployed verticle registers its own). */
  void close() {
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }

  private void gauge(String name, String description, AtomicLong value) {
    add(Gauge.builder(name, value, AtomicLong::doubleValue).description(description).register(registry));
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }
}
