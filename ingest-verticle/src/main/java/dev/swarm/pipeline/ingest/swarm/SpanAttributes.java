package dev.swarm.pipeline.ingest.swarm;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a few top-level scalar attributes out of a span's {@code attributesJson} with Jackson's streaming
 * parser: no tree is built, nested values are skipped, and reading stops once every wanted key was seen.
 */
final class SpanAttributes {
  private static final JsonFactory JSON = new JsonFactory();

  private SpanAttributes() {}

  /**
   * Scalar values of {@code keys} as text (numbers as written, booleans as {@code true}/{@code false});
   * absent keys, nulls, objects and arrays are left out. Unreadable JSON gives an empty map (ingest already
   * validated it, so that does not happen in practice).
   */
  static Map<String, String> read(String attributesJson, Set<String> keys) {
    Map<String, String> out = new HashMap<>(keys.size() * 2);
    try (JsonParser p = JSON.createParser(attributesJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return out;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          p.skipChildren();
        } else if (value != JsonToken.VALUE_NULL && keys.contains(name)) {
          out.put(name, p.getText());
          if (out.size() == keys.size()) {
            break;
          }
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
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
