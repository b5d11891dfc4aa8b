package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded broker from deleting acknowledged spans nobody has consumed. The broker deletes a partition's
 * oldest segments once its log passes EMBEDDED_KAFKA_RETENTION_BYTES, consumed or not; while assembly and storage
 * fall behind (a burst with downstream at low priority, a database that is down), the spans topic's log grows toward
 * that. Above EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES on any partition this says so ({@link #problem()}) and ingest
 * answers 503 {@code backlog_full} with Retry-After, until the aggregator has caught up and {@code BrokerLogTrimmer}
 * has deleted what it committed. Measured from the partitions' segment files on a worker every interval; a read is a
 * volatile load.
 *
 * <p>The log holds, beside the backlog, what is consumed but not yet trimmed (the open segment and one trim
 * interval): the limit's default, three quarters of the retention, leaves that room and a quarter of the retention
 * before the broker would delete anything.
 */
final class BrokerBacklogGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerBacklogGuard.class);

  private final Path logDir;
  private final String topic;
  private final long limitBytes;
  private final AtomicLong largest = new AtomicLong();
  private final AtomicLong full = new AtomicLong();
  private final PeriodicMeasure ticks;
  private volatile String problem;

  BrokerBacklogGuard(Vertx vertx, Path logDir, String topic, long limitBytes, long intervalMs, MeterRegistry registry) {
    this.logDir = logDir;
    this.topic = topic;
    this.limitBytes = limitBytes;
    Gauge.builder("trace.broker.log.bytes", largest, AtomicLong::get)
        .description("The largest partition log of the spans topic in the embedded broker (segment files)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("trace.broker.backlog.limit.bytes", () -> limitBytes)
        .description("EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES: past it on any partition, ingest answers 503 backlog_full")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("trace.broker.backlog.full", full, AtomicLong::get)
        .description("1 while a partition log of the spans topic is past EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES (ingest refusing)")
        .register(registry);
    this.ticks = new PeriodicMeasure(vertx, intervalMs, this::measure);
  }

  /** Why writes are refused (a partition's log past the limit), or null. */
  String problem() {
    return problem;
  }

  /** The size of the largest partition log of the topic: the sum of its {@code .log} segment files. */
  static long largestPartitionLog(Path logDir, String topic) throws IOException {
    long max = 0;
    String prefix = topic + "-";
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(logDir)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(prefix) || !name.substring(prefix.length()).matches("\\d+") || !Files.isDirectory(dir)) {
          continue;
        }
        long size = 0;
        try (DirectoryStream<Path> segments = Files.newDirectoryStream(dir, "*.log")) {
          for (Path segment : segments) {
            try {
              size += Files.size(segment);
            } catch (IOException deletedMeanwhile) {
              // trimmed between the listing and the stat
            }
          }
        }
        max = Math.max(max, size);
      }
    }
    return max;
  }

  private void measure() {
    long size;
    try {
      size = largestPartitionLog(logDir, topic);
    } catch (IOException e) {
      return; // keep the last state: the broker makes the directories as it starts
    }
    largest.set(size);
    String why = size > limitBytes
        ? "the broker holds " + size + " bytes of " + topic + " on one partition, past EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES="
            + limitBytes + ": assembly is behind, and writes are refused until it catches up (acknowledged spans"
            + " would otherwise be deleted unread)"
        : null;
    String before = problem;
    problem = why;
    full.set(why == null ? 0 : 1);
    if (why != null && before == null) {
      LOG.warn("backlog full: {}", why);
    } else if (why == null && before != null) {
      LOG.info("the spans topic's backlog is below EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES={} again; accepting writes",
          limitBytes);
    }
  }

  @Override
  public void close() {
    ticks.close();
  }
}
