package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

/** The Jackson factory shared by the codec classes (thread-safe) and small token helpers. */
final class SpanJson {

  /**
   * No root value separator: the decoder reuses one generator for many consecutive root-level values (one
   * attributes object after another) and reads each back separately. Surrogate pairs become 4-byte UTF-8
   * rather than as escaped UTF-16 surrogate pairs, so copied text and directly written text encode alike and the
   * attribute byte limit counts what a client would count.
   */
  static final JsonFactory FACTORY =
      new JsonFactoryBuilder()
          .rootValueSeparator((String) null)
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          .build();

  private SpanJson() {}

  /** The JSON type of a value token, for error messages ("must be a string, not number"). */
  static String typeName(JsonToken token) {
    if (token == null) {
      return "nothing";
    }
    switch (token) {
      case START_OBJECT:
        return "object";
      case START_ARRAY:
        return "array";
      case VALUE_STRING:
        return "string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "boolean";
      case VALUE_NULL:
        return "null";
      default:
        return token.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
