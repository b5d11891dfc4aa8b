package dev.swarm.pipeline.aggregator;

/** Why an assembled trace was emitted; {@link #wire()} is the form in the swarm.traces JSON and metric tags. */
public enum Verdict {
  /** One root, every span reachable from it, and idle for the idle time. */
  COMPLETE("complete"),
  /** The maximum wait passed without the trace becoming complete. */
  INCOMPLETE("incomplete"),
  /** Emitted early because a memory limit (buffered spans, spans or bytes per trace) was hit. */
  EVICTED("evicted"),
  /** Only spans that arrived after the trace had been emitted; the consumer merges them into the stored trace. */
  LATE("late");

  private final String wire;

  Verdict(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
