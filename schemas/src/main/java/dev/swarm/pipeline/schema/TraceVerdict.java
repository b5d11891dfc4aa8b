package dev.swarm.pipeline.schema;

/**
 * Why the aggregator emitted an assembled trace; {@link #wire()} is its form in the swarm.traces JSON, in SQL and
 * in metric tags. The aggregator writes it and storage reads it.
 */
public enum TraceVerdict {
  /** One root, every span reachable from it, and idle for the idle time. */
  COMPLETE("complete"),
  /** The maximum wait passed without the trace becoming complete. */
  INCOMPLETE("incomplete"),
  /** Emitted early because a memory limit (buffered spans, spans or bytes per trace) was hit. */
  EVICTED("evicted"),
  /** Only spans that arrived after the trace had been emitted; storage merges them and recomputes the verdict. */
  LATE("late");

  private final String wire;

  TraceVerdict(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The verdict for its wire form, or null when the text is not one. */
  public static TraceVerdict fromWire(String text) {
    for (TraceVerdict v : values()) {
      if (v.wire.equals(text)) {
        return v;
      }
    }
    return null;
  }
}
