package dev.swarm.tracer;

/** The role of a span in a call, as the pipeline's {@code span_kind} field spells it. */
public enum SpanKind {
  INTERNAL,
  CLIENT,
  SERVER;

  /** The lower-case wire form. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
