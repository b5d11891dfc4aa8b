package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Timestamps;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * Position after the last trace of a search page, in the search order (start_time, then trace_id, both
 * descending). Clients see it as an opaque URL-safe string.
 */
public record TraceCursor(String startTime, String traceId) {

  private static final String VERSION = "1";

  public TraceCursor {
    Objects.requireNonNull(startTime, "startTime");
    Objects.requireNonNull(traceId, "traceId");
  }

  public String encode() {
    String plain = VERSION + "\n" + startTime + "\n" + traceId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** @throws IllegalArgumentException when the text is not a cursor this service made */
  public static TraceCursor decode(String text) {
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a cursor from a previous page");
    }
    String[] parts = plain.split("\n", 3);
    if (parts.length != 3 || !parts[0].equals(VERSION) || parts[2].isEmpty()) {
      throw new IllegalArgumentException("not a cursor from a previous page");
    }
    try {
      Timestamps.parseIso(parts[1]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a cursor from a previous page");
    }
    return new TraceCursor(parts[1], parts[2]);
  }
}
