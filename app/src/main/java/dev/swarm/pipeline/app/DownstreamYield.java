package dev.swarm.pipeline.app;

import dev.swarm.pipeline.aggregator.Intake;
import java.util.function.LongSupplier;

/**
 * Ingest first under a burst (ROLE=all): once ingest's event loops use a share of the machine's CPU, and until they use
 * less than half of it, assembly reads at most a few spans per second from the spans topic, so ingest gets the cores and Kafka holds the
 * backlog, which assembly and storage work off once the burst is over.
 *
 * <p>Why: nice 4 alone ({@link DownstreamThreads}) still left assembly and storage about a quarter of the CPU during a
 * burst, and ingest then accepted ~100-112k spans/s where it accepted ~145k with assembly held back (trace-bench,
 * 16 connections, batch 100, 2 cores). A burst of that size is beyond what assembly and storage can take anyway
 * (~35k spans/s end to end here), so holding them back costs no sustained throughput: the backlog grows either way.
 * The share is measured on the event loops because ingest's work runs there; at the sustained rates downstream keeps
 * up with they use far less: 7-10% of two cores at a sustained 20,000 spans/s.
 *
 * <p>{@link #sample} runs on a timer; {@link #holdBack} and {@link #took} on the aggregator's context (a token bucket
 * of {@code spansPerSecond}, at most a second's worth).
 */
final class DownstreamYield implements Intake {
  private final double cpuShare;
  private final long spansPerSecond;
  private final int cpus;
  private final LongSupplier nanoClock;

  // The timer's side.
  private long lastCpuNanos = -1;
  private long lastSampleNanos;
  private volatile boolean yielding;
  private volatile double lastShare;

  // The aggregator's side.
  private double tokens;
  private long tokensAtNanos;

  /**
   * @param cpuShare the event loops' share of all the machine's CPU (0-1) from which assembly yields
   * @param spansPerSecond what assembly still reads while it yields (0: nothing)
   * @param cpus the processors the share is of
   */
  DownstreamYield(double cpuShare, long spansPerSecond, int cpus, LongSupplier nanoClock) {
    if (!(cpuShare > 0 && cpuShare <= 1) || spansPerSecond < 0 || cpus < 1) {
      throw new IllegalArgumentException("cpuShare " + cpuShare + ", spansPerSecond " + spansPerSecond + ", cpus " + cpus);
    }
    this.cpuShare = cpuShare;
    this.spansPerSecond = spansPerSecond;
    this.cpus = cpus;
    this.nanoClock = nanoClock;
    this.tokens = spansPerSecond; // a second's worth when a yield begins
    this.tokensAtNanos = nanoClock.getAsLong();
  }

  /** One measurement: the event loops' CPU time so far, summed. Decides whether assembly yields until the next. */
  void sample(long eventLoopCpuNanos) {
    long now = nanoClock.getAsLong();
    if (lastCpuNanos >= 0 && now > lastSampleNanos) {
      double share = (eventLoopCpuNanos - lastCpuNanos) / ((double) (now - lastSampleNanos) * cpus);
      lastShare = share;
      // Hysteresis: once yielding, ingest runs faster and takes more; while downstream competes it takes less. Yield
      // from the share, stop below half of it (the burst is over), so the two do not take turns within a burst.
      yielding = yielding ? share >= cpuShare / 2 : share >= cpuShare;
    }
    lastCpuNanos = eventLoopCpuNanos;
    lastSampleNanos = now;
  }

  /** Whether assembly is yielding to ingest now. */
  boolean yielding() {
    return yielding;
  }

  /** The event loops' share of the machine's CPU at the last measurement. */
  double eventLoopShare() {
    return lastShare;
  }

  @Override
  public boolean holdBack() {
    long now = nanoClock.getAsLong();
    if (!yielding) {
      tokens = spansPerSecond;
      tokensAtNanos = now;
      return false;
    }
    tokens = Math.min(spansPerSecond, tokens + (now - tokensAtNanos) * (spansPerSecond / 1e9));
    tokensAtNanos = now;
    return tokens <= 0;
  }

  @Override
  public void took(int spans) {
    tokens -= spans;
  }
}
