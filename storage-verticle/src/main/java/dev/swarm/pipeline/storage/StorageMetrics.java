package dev.swarm.pipeline.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
    gauge("trace.storage.queue.spans", "Spans waiting for their database write (consumed from the traces topic, or handed over in process)",
        queueSpans);
    gauge("trace.storage.db.bytes", "Size of the database: the SQLite file plus its WAL, or the PostgreSQL database (pg_database_size)", dbBytes);
    gauge("trace.storage.disk.free.bytes", "Usable bytes on the SQLite database's filesystem (not measured on PostgreSQL)", diskFreeBytes);
    gauge("trace.storage.disk.total.bytes", "Size of the SQLite database's filesystem (not measured on PostgreSQL)", diskTotalBytes);
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
    retentionDeletedSpans = counter("trace.storage.retention.deleted.spans",
        "Span rows deleted by retention (age or size)");
    retentionDeletedTraces = counter("trace.storage.retention.deleted.traces",
        "Traces deleted whole by retention (age or size)");
    retentionFailures = counter("trace.storage.retention.failures", "Retention steps that failed (tried again later)");
    vacuumedBytes = counter("trace.storage.retention.vacuumed.bytes",
        "Free database pages given back to the filesystem by incremental vacuum");
    retentionStep = timer("trace.storage.retention.step",
        "One retention step (a deletion transaction between write batches)");
    batchTime = timer("trace.storage.batch", "Time to write one batch, from the first attempt to the database commit");
    batchSpans = add(DistributionSummary.builder("trace.storage.batch.spans")
        .description("Spans per written batch")
        .publishPercentileHistogram()
        .register(registry));
    spansWritten = counter("trace.storage.spans.written", "Span rows upserted and committed");
    tracesWritten = counter("trace.storage.traces.written", "Trace summaries written (one per trace per batch)");
    writeFailures = counter("trace.storage.write.failures", "Failed batch write attempts (each is retried)");
    invalidRecords = counter("trace.storage.records.invalid",
        "swarm.traces records that could not be decoded and were skipped");
    commitFailures = counter("trace.storage.offset.commit.failures",
        "Failed Kafka offset commits (the batch is read and upserted again later)");
  }

  /** Sets the size gauges from a backend's measurement; a size it could not see (-1) keeps its last value. */
  void measured(StorageBackend.DiskUse use) {
    setKnown(walBytes, use.walBytes());
    setKnown(dbBytes, use.databaseBytes());
    setKnown(diskFreeBytes, use.filesystemFreeBytes());
    setKnown(diskTotalBytes, use.filesystemTotalBytes());
  }

  private static void setKnown(AtomicLong gauge, long value) {
    if (value >= 0) {
      gauge.set(value);
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

  private Counter counter(String name, String description) {
    return add(Counter.builder(name).description(description).register(registry));
  }

  private Timer timer(String name, String description) {
    return add(Timer.builder(name).description(description).publishPercentileHistogram().register(registry));
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }
}
