package dev.swarm.pipeline.schema;

/** The span statuses of the contract; {@link #wire()} is the lower-case form used in JSON and SQL. */
public enum SpanStatus {
  OK("ok"),
  ERROR("error"),
  UNSET("unset");

  private final String wire;

  SpanStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Returns the status for its wire form, or null when the text is not one. */
  public static SpanStatus fromWire(String text) {
    for (SpanStatus s : values()) {
      if (s.wire.equals(text)) {
        return s;
      }
    }
    return null;
  }
}
