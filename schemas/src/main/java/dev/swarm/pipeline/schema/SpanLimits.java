package dev.swarm.pipeline.schema;

import dev.swarm.pipeline.config.EnvReader;

/**
 * Per-span size limits enforced by {@link SpanDecoder}.
 *
 * <p>Config knobs: {@code MAX_SPAN_NAME_CHARS}, {@code MAX_ATTRIBUTES_BYTES}, {@code MAX_EVENTS_PER_SPAN}, read
 * with their bounds by {@link #fromEnv}, which the app's {@code PipelineConfig} calls once for every stage.
 * {@code span.schema.json} states the defaults.
 *
 * @param maxSpanNameChars longest {@code span_name}, in Unicode code points
 * @param maxAttributesBytes largest {@code attributes} object (and each event's {@code attributes}), in UTF-8
 *     bytes of its compact JSON form
 * @param maxEventsPerSpan most elements in {@code events}
 */
public record SpanLimits(int maxSpanNameChars, int maxAttributesBytes, int maxEventsPerSpan) {

  public static final SpanLimits DEFAULTS = new SpanLimits(256, 65536, 128);

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

  /** MAX_SPAN_NAME_CHARS, MAX_ATTRIBUTES_BYTES and MAX_EVENTS_PER_SPAN, with their bounds. */
  public static SpanLimits fromEnv(EnvReader r) {
    return new SpanLimits(
        r.integer("MAX_SPAN_NAME_CHARS", DEFAULTS.maxSpanNameChars(), 1, 65_536),
        r.integer("MAX_ATTRIBUTES_BYTES", DEFAULTS.maxAttributesBytes(), 2, 16 << 20),
        r.integer("MAX_EVENTS_PER_SPAN", DEFAULTS.maxEventsPerSpan(), 0, 100_000));
  }
}
