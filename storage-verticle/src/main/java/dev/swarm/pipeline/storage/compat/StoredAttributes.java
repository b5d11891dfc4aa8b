package dev.swarm.pipeline.storage.compat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/** Reads a stored span's attributes JSON (a compact object) for the Zipkin and Tempo writers, streaming. */
final class StoredAttributes {

  static final JsonFactory JSON = new JsonFactory();

  private StoredAttributes() {}

  /**
   * Each top-level attribute as Zipkin tag text: strings as they are, numbers as written, booleans as
   * {@code true}/{@code false}, objects and arrays as compact JSON; nulls are left out.
   */
  static void forEachAsText(String attributesJson, BiConsumer<String, String> out) {
    try (JsonParser p = JSON.createParser(attributesJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        out.accept(key, value.isStructStart() ? compact(p) : p.getText());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // stored attributes were validated on the way in
    }
  }

  /** The string value of a top-level attribute, or null when absent or not a string. */
  static String string(String attributesJson, String wanted) {
    if (!attributesJson.contains('"' + wanted + '"')) {
      return null;
    }
    try (JsonParser p = JSON.createParser(attributesJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if (key.equals(wanted)) {
          return value == JsonToken.VALUE_STRING ? p.getText() : null;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return null;
  }

  /** The value at the parser's START_OBJECT/START_ARRAY as compact JSON, numbers kept as written. */
  static String compact(JsonParser p) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      int depth = 0;
      JsonToken t = p.currentToken();
      while (true) {
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        }
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
          gen.writeNumber(p.getText());
        } else {
          gen.copyCurrentEvent(p);
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
      }
    }
    return out.toString();
  }

  /** Top-level attributes as OTLP key-values, with {@code skip} left out. */
  static List<KeyValue> keyValues(String attributesJson, java.util.Set<String> skip) {
    List<KeyValue> out = new ArrayList<>();
    try (JsonParser p = JSON.createParser(attributesJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return out;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        if (skip.contains(key)) {
          p.skipChildren();
          continue;
        }
        out.add(KeyValue.newBuilder().setKey(key).setValue(anyValue(p)).build());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * Nesting of AnyValues (arrays and kvlists) kept as structure; a deeper value becomes the string of its JSON. Each
   * level is up to three protobuf messages (AnyValue, KeyValueList, KeyValue) and four JSON levels in the Tempo
   * forms, so 24 levels under a span's six stay within protobuf-java's default recursion limit (100, tested) and
   * Jackson's nesting limit (1000), while ingest accepts attributes as deep as Jackson's 1000 levels: whatever was
   * accepted reads back.
   */
  static final int MAX_ANY_VALUE_DEPTH = 24;

  /** The JSON value at the parser's current token as an OTLP AnyValue (objects become kvlists). */
  static AnyValue anyValue(JsonParser p) throws IOException {
    return anyValue(p, 0);
  }

  private static AnyValue anyValue(JsonParser p, int depth) throws IOException {
    AnyValue.Builder v = AnyValue.newBuilder();
    JsonToken token = p.currentToken();
    if (depth >= MAX_ANY_VALUE_DEPTH && (token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT)) {
      java.io.StringWriter text = new java.io.StringWriter();
      try (JsonGenerator gen = JSON.createGenerator(text)) {
        gen.copyCurrentStructure(p);
      }
      return v.setStringValue(text.toString()).build();
    }
    switch (token) {
      case VALUE_STRING:
        return v.setStringValue(p.getText()).build();
      case VALUE_TRUE:
      case VALUE_FALSE:
        return v.setBoolValue(p.getBooleanValue()).build();
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          return v.setStringValue(p.getText()).build(); // past int64: keep the digits
        }
        return v.setIntValue(p.getLongValue()).build();
      case VALUE_NUMBER_FLOAT:
        return v.setDoubleValue(p.getDoubleValue()).build();
      case START_ARRAY:
        {
          ArrayValue.Builder array = ArrayValue.newBuilder();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            array.addValues(anyValue(p, depth + 1));
          }
          return v.setArrayValue(array).build();
        }
      case START_OBJECT:
        {
          KeyValueList.Builder list = KeyValueList.newBuilder();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            list.addValues(KeyValue.newBuilder().setKey(key).setValue(anyValue(p, depth + 1)));
          }
          return v.setKvlistValue(list).build();
        }
      default: // null: an AnyValue with nothing set
        return v.build();
    }
  }
}
