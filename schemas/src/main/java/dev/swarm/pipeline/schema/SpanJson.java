package dev.swarm.pipeline.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The contract's JSON encoding, once for every class that reads or writes spans: the Jackson factory (thread-safe),
 * the generator for attribute objects, the words for a value it refuses, the normalised event object, and token
 * names for messages.
 */
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

  private static final String DUPLICATE_FIELD = "Duplicate field ";

  private SpanJson() {}

  /**
   * A generator writing compact JSON objects (attributes) into {@code out}; with {@code rejectDuplicateKeys} it
   * refuses a key an object already has (Jackson's duplicate detection, a hash set per object), which
   * {@link #writeProblem} then words as the contract does.
   */
  static JsonGenerator objectGenerator(OutputStream out, boolean rejectDuplicateKeys) throws IOException {
    JsonGenerator gen = FACTORY.createGenerator(out);
    if (rejectDuplicateKeys) {
      gen.enable(JsonGenerator.Feature.STRICT_DUPLICATE_DETECTION);
    }
    return gen;
  }

  /**
   * Why a generator refused to write a value, in the contract's words: {@code duplicate key 'k'} for a repeated key
   * (Jackson says {@code Duplicate field 'k'}, as the OTLP translator does for kvlists), else
   * {@code cannot be encoded: …} (text Jackson cannot encode, a value nested too deep).
   */
  static String writeProblem(IOException e) {
    String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (message != null && message.startsWith(DUPLICATE_FIELD)) {
      int end = message.indexOf('\n');
      return "duplicate key " + message.substring(DUPLICATE_FIELD.length(), end < 0 ? message.length() : end);
    }
    return "cannot be encoded: " + message;
  }

  /**
   * Appends one event in the normalised form, {@code {"name":…,"time":…,"attributes":…}}, to an events array being
   * built in {@code events} (which holds at least its {@code [}); a comma first unless it is the array's first.
   */
  static void appendEvent(StringBuilder events, String name, long timeMillis, String attributesJson) {
    if (events.length() > 1) {
      events.append(',');
    }
    events.append("{\"").append(SpanContract.EVENT_NAME).append("\":\"");
    JsonStringEncoder.getInstance().quoteAsString(name, events);
    events.append("\",\"").append(SpanContract.EVENT_TIME).append("\":\"").append(Timestamps.formatIso(timeMillis));
    events.append("\",\"").append(SpanContract.EVENT_ATTRIBUTES).append("\":").append(attributesJson).append('}');
  }

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
