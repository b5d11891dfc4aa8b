package dev.swarm.pipeline.aggregator;

/** A trace its sink refuses for good (too large for the topic, say): retrying cannot succeed. */
public final class UnstorableTraceException extends RuntimeException {
  public UnstorableTraceException(String message, Throwable cause) {
    super(message, cause);
  }
}
