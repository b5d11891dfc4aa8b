package dev.swarm.tracer;

/** Outcome of a span, as the pipeline's {@code status} field spells it. */
public enum SpanStatus {
  OK,
  ERROR,
  UNSET;

  /** The lower-case wire form. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
