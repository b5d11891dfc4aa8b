package dev.swarm.pipeline.schema;

import java.util.Map;

/**
 * Per-span size limits enforced by {@link SpanDecoder}.
 *
 * <p>Config knobs (read by the app): {@code MAX_SPAN_NAME_CHARS}, {@code MAX_ATTRIBUTES_BYTES},
 * {@code MAX_EVENTS_PER_SPAN}. {@code span.schema.json} states the defaults.
 *
 * @param maxSpanNameChars longest {@code span_name}, in Unicode code points
 * @param maxAttributesBytes largest {@code attributes} object (and each event's {@code attributes}), in UTF-8
 *     bytes of its compact JSON form
 * @param maxEventsPerSpan most elements in {@code events}
 */
public record SpanLimits(int maxSpanNameChars, int maxAttributesBytes, int maxEventsPerSpan) {

  public static final SpanLimits DEFAULTS = new SpanLimits(256, 65536, 128);

  public static final String ENV_MAX_SPAN_NAME_CHARS = "MAX_SPAN_NAME_CHARS";
  public static final String ENV_MAX_ATTRIBUTES_BYTES = "MAX_ATTRIBUTES_BYTES";
  public static final String ENV_MAX_EVENTS_PER_SPAN = "MAX_EVENTS_PER_SPAN";

  public SpanLimits {
    if (maxSpanNameChars < 1) {
      throw new IllegalArgumentException("maxSpanNameChars must be at least 1, got " + maxSpanNameChars);
    }
    // "{}" is 2 bytes: anything smaller would reject every span.
    if (maxAttributesBytes < 2) {
      throw new IllegalArgumentException("maxAttributesBytes must be at least 2, got " + maxAttributesBytes);
    }
    if (maxEventsPerSpan < 0) {
      throw new IllegalArgumentException("maxEventsPerSpan must not be negative, got " + maxEventsPerSpan);
    }
  }

  /**
   * Limits from environment-style variables, {@link #DEFAULTS} for those not set. Throws
   * IllegalArgumentException naming the variable when a value is not a valid number.
   */
  public static SpanLimits fromEnv(Map<String, String> env) {
    return new SpanLimits(
        intVar(env, ENV_MAX_SPAN_NAME_CHARS, DEFAULTS.maxSpanNameChars),
        intVar(env, ENV_MAX_ATTRIBUTES_BYTES, DEFAULTS.maxAttributesBytes),
        intVar(env, ENV_MAX_EVENTS_PER_SPAN, DEFAULTS.maxEventsPerSpan));
  }

  private static int intVar(Map<String, String> env, String name, int fallback) {
    String text = env.get(name);
    if (text == null || text.isBlank()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + text + "'");
    }
  }
}
