package dev.swarm.pipeline.app.auth;

import java.util.Locale;

/** What a token may do: {@code write} spans, {@code read} trace data, {@code admin} any tenant (with tenant "*"). */
public enum Scope {
  WRITE,
  READ,
  ADMIN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scope for its wire form, or null. */
  public static Scope fromWire(String text) {
    for (Scope s : values()) {
      if (s.wire().equals(text)) {
        return s;
      }
    }
    return null;
  }
}
