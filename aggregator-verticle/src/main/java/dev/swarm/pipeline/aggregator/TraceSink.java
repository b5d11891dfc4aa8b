package dev.swarm.pipeline.aggregator;

import io.vertx.core.Future;

/**
 * Where assembled traces go, and the only judge of when one is durable: the aggregator commits a spans-topic
 * offset only once every trace built from records up to it has been stored here.
 *
 * <p>Called on the aggregator's event loop; the futures it returns complete there too.
 */
public interface TraceSink {

  /**
   * Stores one trace (or one late update of it). The future completes once the trace is durable; it fails with
   * {@link UnstorableTraceException} when the trace can never be stored (retrying could not help), and with
   * anything else only once the sink is closing (the trace stays unacknowledged, its records are read again).
   * The sink retries every other failure itself.
   */
  Future<Void> store(AssembledTrace trace);

  /**
   * Spans the sink may hold before they are durable; the aggregator pauses its partitions (and polls on) while its
   * unacknowledged spans reach this.
   */
  default long maxPendingSpans() {
    return Long.MAX_VALUE;
  }

  /** Says what the sink writes to, for the start-up log line. */
  String describe();

  /** Ends retries (their futures fail) and releases what the sink opened. */
  Future<Void> close();
}
