package dev.swarm.pipeline.ingest.swarm;

import dev.swarm.pipeline.schema.JsonCursor;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a few top-level scalar attributes out of a span's {@code attributesJson}: nested values are skipped, and
 * reading stops once every wanted key was seen.
 *
 * <p>It runs for most accepted spans, on the event loop. {@code attributesJson} is the decoder's own compact JSON, so
 * it is read with schemas' {@link JsonCursor} over its UTF-8 bytes rather than a Jackson parser over the text: that
 * cut the Swarm metrics from 0.60-0.68 to 0.41 us per span of trace-bench's body (IngestPathThroughput, "metrics").
 */
final class SpanAttributes {

  private SpanAttributes() {}

  /** The attribute names one kind of span wants, with their bytes for comparing without decoding every key. */
  static final class Keys {
    private final String[] names;
    private final byte[][] utf8;

    private Keys(String... names) {
      this.names = names.clone();
      this.utf8 = new byte[names.length][];
      for (int i = 0; i < names.length; i++) {
        utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
      }
    }

    static Keys of(String... names) {
      return new Keys(names);
    }

    int size() {
      return names.length;
    }
  }

  /**
   * Scalar values of {@code keys} as text (numbers as written, booleans as {@code true}/{@code false}, strings
   * decoded); absent keys, nulls, objects and arrays are left out. Unreadable JSON gives an empty map (ingest already
   * validated it, so that does not happen in practice).
   */
  static Map<String, String> read(String attributesJson, Keys keys) {
    Map<String, String> out = new HashMap<>(keys.size() * 2);
    try {
      JsonCursor json = new JsonCursor(attributesJson.getBytes(StandardCharsets.UTF_8));
      json.expect('{');
      if (json.consume('}')) {
        return out;
      }
      do {
        json.key();
        String wanted = wanted(json, keys);
        byte first = json.peek();
        if (wanted == null || first == '{' || first == '[' || first == 'n') { // n: null
          json.skipValue();
        } else if (first == '"') {
          out.put(wanted, json.string());
        } else {
          out.put(wanted, json.text(json.skipValue()));
        }
        if (out.size() == keys.size()) {
          break;
        }
      } while (json.next('}'));
    } catch (JsonCursor.Malformed e) {
      return Map.of();
    }
    return out;
  }

  private static String wanted(JsonCursor json, Keys keys) {
    for (int i = 0; i < keys.names.length; i++) {
      if (json.keyIs(keys.utf8[i])) {
        return keys.names[i];
      }
    }
    return null;
  }

  /** A whole number from an attribute's text ({@code 12}, {@code 12.0}, {@code "12"}), or null. */
  static Long wholeNumber(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      try {
        double d = Double.parseDouble(text.trim());
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9e15 ? (long) d : null;
      } catch (NumberFormatException notANumber) {
        return null;
      }
    }
  }
}
