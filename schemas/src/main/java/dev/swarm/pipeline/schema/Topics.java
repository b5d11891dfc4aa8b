package dev.swarm.pipeline.schema;

/** The default names of the pipeline's two Kafka topics (SPANS_TOPIC, TRACES_TOPIC), written once for every role. */
public final class Topics {
  private Topics() {}

  /** Spans as ingest accepted them, one record per trace per request, keyed by trace id. */
  public static final String DEFAULT_SPANS = "swarm.spans";

  /** Assembled traces, keyed by trace id (the aggregator's output, storage's input). */
  public static final String DEFAULT_TRACES = "swarm.traces";
}
