package dev.swarm.pipeline.schema;

/** The span kinds of the contract; {@link #wire()} is the lower-case form used in JSON and SQL. */
public enum SpanKind {
  INTERNAL("internal"),
  CLIENT("client"),
  SERVER("server");

  private final String wire;

  SpanKind(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Returns the kind for its wire form, or null when the text is not one. */
  public static SpanKind fromWire(String text) {
    for (SpanKind k : values()) {
      if (k.wire.equals(text)) {
        return k;
      }
    }
    return null;
  }
}
