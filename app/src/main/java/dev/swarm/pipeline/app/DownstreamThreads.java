package dev.swarm.pipeline.app;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.impl.VertxThread;
import io.vertx.core.spi.VertxThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The threads of assembly and storage in a process that also takes spans (ROLE=all): the aggregator and storage
 * verticles run as worker verticles on one named pool, so none of their work shares a thread with ingest's event
 * loops, and with {@code DOWNSTREAM_PRIORITY=low} the pool's threads get the lowest Java priority. Under a burst
 * ingest then keeps the CPU it needs and downstream falls behind (Kafka holds the backlog) and catches up after.
 *
 * <p>Java priorities reach Linux only with {@code -XX:ThreadPriorityPolicy=1} (bin/trace-pipeline and the image set
 * it): priority 1 becomes nice 4, which any user may set (raising a nice value needs no privilege; the JVM warns
 * that it "may require" one). Loaded by Vert.x as its thread factory (META-INF/services); it changes only threads of
 * the pool named {@link #LOW_POOL}.
 *
 * <p>vertx-jdbc-client runs every JDBC call on Vert.x's shared worker pool, whatever context calls it, so with a low
 * priority that pool is lowered too ({@link #lowerSharedWorkers}): the SQLite writes, the largest downstream consumer,
 * and with them the query API's reads. Ingest ({@code SpanPublisher.WORKER_POOL}) and the metrics scrape
 * ({@link #METRICS_POOL}) have pools of their own at normal priority.
 */
public final class DownstreamThreads implements VertxThreadFactory {
  /** The pool's name when its threads run at low priority. */
  public static final String LOW_POOL = "trace-downstream-low";
  /** The pool's name at normal priority. */
  public static final String NORMAL_POOL = "trace-downstream";
  /** Vert.x's shared worker pool, where vertx-jdbc-client runs every JDBC call (the SQLite writes among them). */
  static final String SHARED_WORKERS = "vert.x-worker-thread";
  /** Storage's WAL checkpoints (StorageDatabase): downstream work, lowered with the rest. */
  static final String CHECKPOINT_POOL = "trace-storage-checkpoint";
  /** The Prometheus scrape's own pool, at normal priority. */
  static final String METRICS_POOL = "trace-metrics-worker";

  /**
   * Whether Vert.x's shared worker pool runs at low priority too (ROLE=all with DOWNSTREAM_PRIORITY=low): set by the
   * app before it builds Vert.x. Process-wide, as the thread factory is; ingest and the metrics scrape have pools of
   * their own, so what remains on the shared pool is storage's JDBC work and other background tasks.
   */
  private static volatile boolean lowSharedWorkers;

  static void lowerSharedWorkers(boolean low) {
    lowSharedWorkers = low;
  }

  @Override
  public VertxThread newVertxThread(Runnable target, String name, boolean worker, long maxExecTime,
      TimeUnit maxExecTimeUnit) {
    VertxThread thread = VertxThreadFactory.INSTANCE.newVertxThread(target, name, worker, maxExecTime, maxExecTimeUnit);
    // Explicitly normal otherwise: a Java thread inherits the priority of the thread that creates it, and Vert.x
    // creates worker threads lazily, possibly from a downstream thread. Raising a nice value back needs a privilege
    // the image's user lacks, so ingest's threads must not be created downstream at all: startEventLoops.
    boolean low = name.startsWith(LOW_POOL)
        || (lowSharedWorkers && (name.startsWith(SHARED_WORKERS) || name.startsWith(CHECKPOINT_POOL)));
    thread.setPriority(low ? Thread.MIN_PRIORITY : Thread.NORM_PRIORITY);
    return thread;
  }

  /**
   * Starts every event loop now, from the calling thread (normal priority), and waits until they run. Netty starts an
   * event loop's thread on its first task, from whichever thread submits it, and a Linux thread inherits its creator's
   * nice value: without this, a loop first used by a downstream thread started at nice 4 and, without the privilege to
   * lower a nice value (the image's user has none), stayed there, serving ingest at downstream's priority (found by
   * running as an unprivileged user: 2 of 4 loops at nice 4). Returns the loops' threads.
   */
  static List<Thread> startEventLoops(Vertx vertx) {
    List<CompletableFuture<Thread>> running = new ArrayList<>();
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      CompletableFuture<Thread> started = new CompletableFuture<>();
      loop.execute(() -> started.complete(Thread.currentThread()));
      running.add(started);
    }
    return running.stream().map(CompletableFuture::join).toList();
  }

  /** How the aggregator and storage verticles are deployed. */
  static DeploymentOptions deployment(boolean low, int threads) {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)
        .setWorkerPoolName(low ? LOW_POOL : NORMAL_POOL).setWorkerPoolSize(threads);
  }

  /** The Linux nice value of the calling thread, or null where /proc does not say. */
  static Integer currentNice() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(fields[16]); // field 19 of stat; fields[0] is field 3
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
