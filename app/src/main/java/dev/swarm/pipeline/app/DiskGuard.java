package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the free space of the filesystems holding the broker's log and the database. Below
 * {@code MIN_FREE_DISK_BYTES} it says so ({@link #problem()}): ingest refuses writes with 503 {@code disk_low}
 * and readiness fails, before Kafka or SQLite run out of space (a full log directory halts the embedded broker,
 * and with it the JVM). Measured on a worker every interval; a read is a volatile load.
 */
final class DiskGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DiskGuard.class);

  private record Watched(Path path, AtomicLong freeBytes) {}

  private final long minFreeBytes;
  private final List<Watched> watched = new ArrayList<>();
  private final AtomicLong low = new AtomicLong();
  private final PeriodicMeasure ticks;
  private volatile String problem;

  /** Measures once before returning (blocking), so the first request already sees the state of the disk. */
  DiskGuard(Vertx vertx, DiskGuardConfig config, List<Path> paths, MeterRegistry registry) {
    this.minFreeBytes = config.minFreeBytes();
    Set<Path> distinct = new LinkedHashSet<>();
    for (Path p : paths) {
      distinct.add(p.toAbsolutePath().normalize());
    }
    for (Path p : distinct) {
      Watched w = new Watched(p, new AtomicLong(-1));
      watched.add(w);
      Gauge.builder("trace.disk.free.bytes", w.freeBytes(), AtomicLong::get)
          .description("Usable bytes on the filesystem holding this path (DATA_DIR, the database's directory)")
          .baseUnit("bytes")
          .tag("path", p.toString())
          .register(registry);
    }
    Gauge.builder("trace.disk.min.free.bytes", () -> minFreeBytes)
        .description("MIN_FREE_DISK_BYTES: below it on any watched path, ingest answers 503 disk_low")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("trace.disk.low", low, AtomicLong::get)
        .description("1 while a watched filesystem has less than MIN_FREE_DISK_BYTES free (ingest refusing)")
        .register(registry);
    measure();
    this.ticks = new PeriodicMeasure(vertx, config.checkIntervalMs(), this::measure);
  }

  /** Why writes are refused (free space below the guard), or null. */
  String problem() {
    return problem;
  }

  private void measure() {
    String why = null;
    for (Watched w : watched) {
      long free;
      try {
        free = Files.getFileStore(existingAncestor(w.path())).getUsableSpace();
      } catch (IOException e) {
        continue; // keep the last value; a missing path is created at start
      }
      w.freeBytes().set(free);
      if (minFreeBytes > 0 && free < minFreeBytes && why == null) {
        why = "only " + free + " bytes free on the filesystem of " + w.path() + ", below MIN_FREE_DISK_BYTES="
            + minFreeBytes + "; writes are refused until space is freed";
      }
    }
    String before = problem;
    problem = why;
    low.set(why == null ? 0 : 1);
    if (why != null && before == null) {
      LOG.warn("disk low: {}", why);
    } else if (why == null && before != null) {
      LOG.info("disk space is back above MIN_FREE_DISK_BYTES={}; accepting writes again", minFreeBytes);
    }
  }

  private static Path existingAncestor(Path p) {
    Path at = p;
    while (at != null && !Files.exists(at)) {
      at = at.getParent();
    }
    return at == null ? p : at;
  }

  @Override
  public void close() {
    ticks.close();
  }
}
