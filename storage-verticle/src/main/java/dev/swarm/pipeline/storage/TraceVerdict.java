package dev.swarm.pipeline.storage;

/** The verdict of a swarm.traces message; {@link #wire()} is its JSON and SQL form. */
public enum TraceVerdict {
  COMPLETE("complete"),
  INCOMPLETE("incomplete"),
  EVICTED("evicted"),
  /** Only spans that arrived after the trace was emitted; storage merges them and recomputes the verdict. */
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
