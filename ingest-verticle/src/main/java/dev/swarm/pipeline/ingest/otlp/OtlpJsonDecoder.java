package dev.swarm.pipeline.ingest.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.SpanBuilder.AttributeSet;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes an OTLP/JSON {@code ExportTraceServiceRequest} into contract spans with Jackson's streaming parser (no
 * tree model). OTLP/JSON rules: trace and span ids are hex (not base64), enums are integers (names accepted
 * too), 64-bit integers are strings (numbers accepted too), keys are lowerCamelCase (the proto field names
 * accepted too), unknown fields are ignored.
 *
 * <p>JSON objects are unordered: when a resource comes after its spans, a scope after its spans, or an
 * attribute's value before its key, the later part is read first and the earlier one parsed again from its
 * recorded byte range. A known field of the wrong JSON type makes the body {@link ConversionResult.Malformed},
 * as a protobuf JSON parser would. Thread-safe.
 */
public final class OtlpJsonDecoder {

  private static final JsonFactory JSON = new JsonFactory();
  private static final BigInteger MAX_UNSIGNED_64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final SpanLimits limits;

  public OtlpJsonDecoder(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    Session s = new Session(body, maxSpans);
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return new ConversionResult.Malformed("OTLP/JSON body must be a JSON object");
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("resourceSpans") || field.equals("resource_spans")) {
          s.array(p, value, field);
          while (p.nextToken() != JsonToken.END_ARRAY) {
            s.object(p, p.currentToken(), field);
            s.resourceSpans(p, 0);
          }
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        return new ConversionResult.Malformed("unexpected content after the JSON object");
      }
    } catch (TooMany e) {
      return new ConversionResult.TooManySpans(maxSpans);
    } catch (JsonProcessingException e) {
      return new ConversionResult.Malformed("malformed OTLP/JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new ConversionResult.Malformed("malformed OTLP/JSON: " + e.getMessage());
    }
    return new ConversionResult.Converted(s.spans, s.total - s.spans.size(), s.errors, s.total);
  }

  private static final class TooMany extends IOException {
    TooMany() {
      super("too many spans", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** A known field of the wrong JSON type. */
  private static final class WrongType extends IOException {
    WrongType(String field, String expected, JsonToken found) {
      super("\"" + field + "\" must be " + expected + ", not " + (found == null ? "nothing" : found.asString() == null
          ? found.name().toLowerCase(java.util.Locale.ROOT) : found.asString()), null);
    }
  }

  private static final class DepthExceeded extends IOException {
    DepthExceeded() {
      super("attribute value nested deeper than " + OtlpMapping.MAX_VALUE_DEPTH + " levels", null);
    }
  }

  /** A byte range of the body to parse later (offsets absolute in the body). */
  private record Range(int start, int end) {}

  private final class Session {
    final byte[] body;
    final int maxSpans;
    final SpanBuilder builder = new SpanBuilder(limits);
    final List<Span> spans = new ArrayList<>();
    final List<FieldError> errors = new ArrayList<>();
    int total;

    Session(byte[] body, int maxSpans) {
      this.body = body;
      this.maxSpans = maxSpans;
    }

    void array(JsonParser p, JsonToken t, String field) throws IOException {
      if (t != JsonToken.START_ARRAY) {
        throw new WrongType(field, "an array", t);
      }
    }

    void object(JsonParser p, JsonToken t, String field) throws IOException {
      if (t != JsonToken.START_OBJECT) {
        throw new WrongType(field, "an object", t);
      }
    }

    String string(JsonParser p, JsonToken t, String field) throws IOException {
      if (t != JsonToken.VALUE_STRING) {
        throw new WrongType(field, "a string", t);
      }
      return p.getText();
    }

    /** The value's byte range, skipping it; {@code base} is where this parser's input starts in the body. */
    Range skipRange(JsonParser p, int base) throws IOException {
      int start = base + (int) p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      int end = base + (int) p.currentLocation().getByteOffset();
      return new Range(start, end);
    }

    JsonParser parserAt(Range r) throws IOException {
      JsonParser p = JSON.createParser(body, r.start, r.end - r.start);
      p.nextToken();
      return p;
    }

    /** ResourceSpans object (START_OBJECT current). */
    void resourceSpans(JsonParser p, int base) throws IOException {
      AttributeSet resource = null;
      List<Range> deferred = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("resource")) {
          object(p, value, field);
          resource = new AttributeSet();
          for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("attributes")) {
              inheritedAttributes(p, v, resource, base);
            } else {
              p.skipChildren();
            }
          }
        } else if (field.equals("scopeSpans") || field.equals("scope_spans")
            || field.equals("instrumentationLibrarySpans")) {
          array(p, value, field);
          if (resource != null) {
            scopeSpansArray(p, resource, base);
          } else {
            if (deferred == null) {
              deferred = new ArrayList<>(1);
            }
            deferred.add(skipRange(p, base));
          }
        } else {
          p.skipChildren();
        }
      }
      if (deferred != null) {
        AttributeSet r = resource == null ? new AttributeSet() : resource;
        for (Range range : deferred) {
          try (JsonParser again = parserAt(range)) {
            scopeSpansArray(again, r, range.start);
          }
        }
      }
    }

    void scopeSpansArray(JsonParser p, AttributeSet resource, int base) throws IOException {
      while (p.nextToken() != JsonToken.END_ARRAY) {
        object(p, p.currentToken(), "scopeSpans");
        scopeSpans(p, resource, base);
      }
    }

    void scopeSpans(JsonParser p, AttributeSet resource, int base) throws IOException {
      AttributeSet scope = null;
      List<Range> deferred = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("scope") || field.equals("instrumentationLibrary")) {
          object(p, value, field);
          scope = scope(p, base);
        } else if (field.equals("spans")) {
          array(p, value, field);
          if (scope != null) {
            spanArray(p, inherited(resource, scope), base);
          } else {
            if (deferred == null) {
              deferred = new ArrayList<>(1);
            }
            deferred.add(skipRange(p, base));
          }
        } else {
          p.skipChildren();
        }
      }
      if (deferred != null) {
        List<AttributeSet> inherited = inherited(resource, scope == null ? new AttributeSet() : scope);
        for (Range range : deferred) {
          try (JsonParser again = parserAt(range)) {
            spanArray(again, inherited, range.start);
          }
        }
      }
    }

    private List<AttributeSet> inherited(AttributeSet resource, AttributeSet scope) {
      return scope.isEmpty() ? List.of(resource) : List.of(resource, scope);
    }

    AttributeSet scope(JsonParser p, int base) throws IOException {
      AttributeSet scope = new AttributeSet();
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "name":
            {
              String name = string(p, value, field);
              if (!name.isEmpty()) {
                scope.addString(OtlpMapping.SCOPE_NAME_ATTRIBUTE, name);
              }
              break;
            }
          case "version":
            {
              String version = string(p, value, field);
              if (!version.isEmpty()) {
                scope.addString(OtlpMapping.SCOPE_VERSION_ATTRIBUTE, version);
              }
              break;
            }
          case "attributes":
            inheritedAttributes(p, value, scope, base);
            break;
          default:
            p.skipChildren();
        }
      }
      return scope;
    }

    void spanArray(JsonParser p, List<AttributeSet> inherited, int base) throws IOException {
      while (p.nextToken() != JsonToken.END_ARRAY) {
        object(p, p.currentToken(), "spans");
        span(p, inherited, base);
      }
    }

    /** One span object (START_OBJECT current). */
    void span(JsonParser p, List<AttributeSet> inherited, int base) throws IOException {
      if (total >= maxSpans) {
        throw new TooMany();
      }
      int index = total++;
      SpanBuilder b = builder;
      b.begin(inherited);
      int kind = 0;
      int statusCode = 0;
      String statusMessage = null;
      long startNanos = 0;
      long endNanos = 0;
      String name = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (field) {
          case "traceId":
          case "trace_id":
            id(b, SpanContract.TRACE_ID, string(p, value, field), OtlpMapping.TRACE_ID_BYTES);
            break;
          case "spanId":
          case "span_id":
            id(b, SpanContract.ID, string(p, value, field), OtlpMapping.SPAN_ID_BYTES);
            break;
          case "parentSpanId":
          case "parent_span_id":
            id(b, SpanContract.PARENT_SPAN_ID, string(p, value, field), OtlpMapping.SPAN_ID_BYTES);
            break;
          case "name":
            name = string(p, value, field);
            break;
          case "kind":
            kind = enumNumber(p, value, field, true);
            break;
          case "startTimeUnixNano":
          case "start_time_unix_nano":
            startNanos = unsignedLong(p, value, field);
            break;
          case "endTimeUnixNano":
          case "end_time_unix_nano":
            endNanos = unsignedLong(p, value, field);
            break;
          case "attributes":
            array(p, value, field);
            while (p.nextToken() != JsonToken.END_ARRAY) {
              object(p, p.currentToken(), field);
              keyValue(p, b, false, base);
            }
            break;
          case "events":
            array(p, value, field);
            while (p.nextToken() != JsonToken.END_ARRAY) {
              object(p, p.currentToken(), field);
              event(p, b, base);
            }
            break;
          case "status":
            object(p, value, field);
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
              String statusField = p.currentName();
              JsonToken v = p.nextToken();
              if (statusField.equals("code")) {
                statusCode = enumNumber(p, v, "status.code", false);
              } else if (statusField.equals("message") && v != JsonToken.VALUE_NULL) {
                statusMessage = string(p, v, "status.message");
              } else {
                p.skipChildren();
              }
            }
            break;
          default: // traceState, flags, links, dropped counts, unknown fields
            p.skipChildren();
        }
      }
      b.name(name == null || name.isEmpty() ? OtlpMapping.UNKNOWN_NAME : name);
      OtlpMapping.kind(kind, b);
      OtlpMapping.status(statusCode, statusMessage, b);
      if (startNanos != 0) {
        b.startMillis(OtlpMapping.nanosToMillis(startNanos));
      }
      if (endNanos != 0) {
        b.endMillis(OtlpMapping.nanosToMillis(endNanos));
      }
      Span span = b.build(index, errors, SpanDecoder.MAX_ERROR_DETAILS);
      if (span != null) {
        spans.add(span);
      }
    }

    private void id(SpanBuilder b, String field, String text, int size) {
      boolean parent = field.equals(SpanContract.PARENT_SPAN_ID);
      if (parent && (text.isEmpty() || isZeros(text))) {
        b.parentSpanId(null);
        return;
      }
      String hex = OtlpMapping.hexId(text, size);
      if (hex == null) {
        b.invalid(field, OtlpMapping.idMessage(field, size));
      } else if (field.equals(SpanContract.TRACE_ID)) {
        b.traceId(hex);
      } else if (field.equals(SpanContract.ID)) {
        b.spanId(hex);
      } else {
        b.parentSpanId(hex);
      }
    }

    private boolean isZeros(String text) {
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) != '0') {
          return false;
        }
      }
      return true;
    }

    void event(JsonParser p, SpanBuilder b, int base) throws IOException {
      b.beginEvent();
      String name = null;
      long time = 0;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (field) {
          case "name":
            name = string(p, value, field);
            break;
          case "timeUnixNano":
          case "time_unix_nano":
            time = unsignedLong(p, value, field);
            break;
          case "attributes":
            array(p, value, field);
            while (p.nextToken() != JsonToken.END_ARRAY) {
              object(p, p.currentToken(), field);
              keyValue(p, b, true, base);
            }
            break;
          default:
            p.skipChildren();
        }
      }
      b.eventName(name == null || name.isEmpty() ? OtlpMapping.UNKNOWN_NAME : name);
      b.eventTimeMillis(OtlpMapping.nanosToMillis(time));
      b.endEvent();
    }

    /** A span or event KeyValue object (START_OBJECT current) into the builder. */
    void keyValue(JsonParser p, SpanBuilder b, boolean event, int base) throws IOException {
      String key = null;
      Range early = null;
      boolean written = false;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("key")) {
          key = string(p, value, field);
        } else if (field.equals("value")) {
          if (key != null && !written) {
            writeAttribute(p, value, b, key, event, base);
            written = true;
          } else {
            early = skipRange(p, base);
          }
        } else {
          p.skipChildren();
        }
      }
      if (key == null || written) {
        return;
      }
      if (early == null) {
        JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
        if (gen != null) {
          gen.writeNull();
        }
        return;
      }
      try (JsonParser again = parserAt(early)) {
        writeAttribute(again, again.currentToken(), b, key, event, early.start());
      }
    }

    private void writeAttribute(JsonParser p, JsonToken value, SpanBuilder b, String key, boolean event,
        int base)
        throws IOException {
      if (value == JsonToken.VALUE_NULL) {
        JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
        if (gen != null) {
          gen.writeNull();
        }
        return;
      }
      object(p, value, "value");
      JsonStreamContext outside = p.getParsingContext().getParent();
      // The common case, a lone stringValue, is also a tenant/ticket/agent id candidate.
      JsonToken first = p.nextToken();
      if (!event && first == JsonToken.FIELD_NAME
          && (p.currentName().equals("stringValue") || p.currentName().equals("string_value"))) {
        String text = string(p, p.nextToken(), "stringValue");
        JsonToken after = p.nextToken();
        if (after == JsonToken.END_OBJECT) {
          b.stringAttribute(key, text);
          return;
        }
        throw new WrongType("value", "an AnyValue with one value", after);
      }
      JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
      if (gen == null) {
        skipRestOfObject(p, first);
        return;
      }
      try {
        anyValueFields(p, first, gen, 0, base);
      } catch (DepthExceeded | JsonGenerationException e) {
        b.attributeFailed(event ? "events.attributes" : SpanContract.ATTRIBUTES, e);
        skipTo(p, outside);
      }
    }

    private void skipRestOfObject(JsonParser p, JsonToken t) throws IOException {
      for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        p.nextToken();
        p.skipChildren();
      }
    }

    /**
     * After a failed write somewhere inside a value, skips the rest of it: reads until the parser is back in
     * {@code outside}, the context that holds the value.
     */
    private void skipTo(JsonParser p, JsonStreamContext outside) throws IOException {
      while (p.getParsingContext() != outside) {
        if (p.nextToken() == null) {
          return;
        }
      }
    }

    /** An AnyValue object whose first token after START_OBJECT is {@code t}; writes the value. */
    private void anyValueFields(JsonParser p, JsonToken t, JsonGenerator gen, int depth, int base)
        throws IOException {
      if (depth > OtlpMapping.MAX_VALUE_DEPTH) {
        throw new DepthExceeded();
      }
      boolean wrote = false;
      for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.VALUE_NULL) {
          continue;
        }
        boolean known = true;
        switch (field) {
          case "stringValue":
          case "string_value":
            gen.writeString(string(p, value, field));
            break;
          case "boolValue":
          case "bool_value":
            if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
              throw new WrongType(field, "a boolean", value);
            }
            gen.writeBoolean(value == JsonToken.VALUE_TRUE);
            break;
          case "intValue":
          case "int_value":
            gen.writeNumber(signedLong(p, value, field));
            break;
          case "doubleValue":
          case "double_value":
            writeDouble(p, value, field, gen);
            break;
          case "bytesValue":
          case "bytes_value":
            gen.writeString(string(p, value, field)); // base64, as the JSON mapping writes bytes
            break;
          case "arrayValue":
          case "array_value":
            object(p, value, field);
            gen.writeStartArray();
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
              JsonToken v = p.nextToken();
              if (p.currentName().equals("values")) {
                array(p, v, "values");
                while (p.nextToken() != JsonToken.END_ARRAY) {
                  object(p, p.currentToken(), "values");
                  anyValueFields(p, p.nextToken(), gen, depth + 1, base);
                }
              } else {
                p.skipChildren();
              }
            }
            gen.writeEndArray();
            break;
          case "kvlistValue":
          case "kvlist_value":
            object(p, value, field);
            gen.writeStartObject();
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
              JsonToken v = p.nextToken();
              if (p.currentName().equals("values")) {
                array(p, v, "values");
                while (p.nextToken() != JsonToken.END_ARRAY) {
                  object(p, p.currentToken(), "values");
                  nestedKeyValue(p, gen, depth + 1, base);
                }
              } else {
                p.skipChildren();
              }
            }
            gen.writeEndObject();
            break;
          default:
            known = false;
            p.skipChildren();
        }
        if (known) {
          if (wrote) {
            throw new WrongType("value", "an AnyValue with one value", value);
          }
          wrote = true;
        }
      }
      if (!wrote) {
        gen.writeNull();
      }
    }

    /** A KeyValue inside a kvlist (START_OBJECT current). */
    private void nestedKeyValue(JsonParser p, JsonGenerator gen, int depth, int base) throws IOException {
      String key = null;
      Range early = null;
      boolean written = false;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("key")) {
          key = string(p, value, field);
        } else if (field.equals("value") && value != JsonToken.VALUE_NULL) {
          if (key != null && !written) {
            object(p, value, field);
            gen.writeFieldName(key);
            anyValueFields(p, p.nextToken(), gen, depth, base);
            written = true;
          } else {
            early = skipRange(p, base);
          }
        } else {
          p.skipChildren();
        }
      }
      if (key == null || written) {
        return;
      }
      gen.writeFieldName(key);
      if (early == null) {
        gen.writeNull();
        return;
      }
      try (JsonParser again = parserAt(early)) {
        object(again, again.currentToken(), "value");
        anyValueFields(again, again.nextToken(), gen, depth, early.start());
      }
    }

    /** Resource or scope attributes into an attribute set, each value serialised once. */
    private void inheritedAttributes(JsonParser p, JsonToken value, AttributeSet set, int base) throws IOException {
      array(p, value, "attributes");
      while (p.nextToken() != JsonToken.END_ARRAY) {
        object(p, p.currentToken(), "attributes");
        String key = null;
        String text = null;
        String raw = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if (field.equals("key")) {
            key = string(p, v, field);
          } else if (field.equals("value") && v == JsonToken.START_OBJECT) {
            JsonStreamContext outside = p.getParsingContext().getParent();
            ByteArrayOutputStream out = new ByteArrayOutputStream(64);
            try (JsonGenerator gen = AttributeSet.valueGenerator(out)) {
              gen.enable(JsonGenerator.Feature.STRICT_DUPLICATE_DETECTION);
              JsonToken first = p.nextToken();
              if (first == JsonToken.FIELD_NAME
                  && (p.currentName().equals("stringValue") || p.currentName().equals("string_value"))) {
                text = string(p, p.nextToken(), "stringValue");
                JsonToken after = p.nextToken();
                if (after != JsonToken.END_OBJECT) {
                  throw new WrongType("value", "an AnyValue with one value", after);
                }
              } else {
                try {
                  anyValueFields(p, first, gen, 0, base);
                } catch (DepthExceeded | JsonGenerationException e) {
                  skipTo(p, outside);
                  continue; // left out rather than failing every span of the resource
                }
              }
            }
            raw = text == null ? out.toString(StandardCharsets.UTF_8) : null;
          } else {
            p.skipChildren();
          }
        }
        if (key != null) {
          if (text != null) {
            set.addString(key, text);
          } else {
            set.add(key, raw == null ? "null" : raw);
          }
        }
      }
    }

    private int enumNumber(JsonParser p, JsonToken value, String field, boolean kind) throws IOException {
      if (value == JsonToken.VALUE_NUMBER_INT) {
        return p.getIntValue();
      }
      if (value == JsonToken.VALUE_STRING) {
        return kind ? OtlpMapping.kindNumber(p.getText()) : OtlpMapping.statusNumber(p.getText());
      }
      throw new WrongType(field, "an integer", value);
    }

    private long unsignedLong(JsonParser p, JsonToken value, String field) throws IOException {
      try {
        if (value == JsonToken.VALUE_STRING) {
          return Long.parseUnsignedLong(p.getText().trim());
        }
        if (value == JsonToken.VALUE_NUMBER_INT) {
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            BigInteger big = p.getBigIntegerValue();
            if (big.compareTo(MAX_UNSIGNED_64) <= 0) {
              return big.longValue();
            }
          } else if (p.getLongValue() >= 0) {
            return p.getLongValue();
          }
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new WrongType(field, "an unsigned 64-bit integer (as a string or number)", value);
    }

    private long signedLong(JsonParser p, JsonToken value, String field) throws IOException {
      try {
        if (value == JsonToken.VALUE_STRING) {
          return Long.parseLong(p.getText().trim());
        }
        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
          return p.getLongValue();
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new WrongType(field, "a 64-bit integer (as a string or number)", value);
    }

    private void writeDouble(JsonParser p, JsonToken value, String field, JsonGenerator gen) throws IOException {
      if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
        gen.writeNumber(p.getText()); // exact text, as the contract keeps numbers
        return;
      }
      if (value == JsonToken.VALUE_STRING) {
        String text = p.getText();
        if (text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity")) {
          gen.writeString(text);
          return;
        }
        try {
          double d = Double.parseDouble(text);
          if (Double.isFinite(d)) {
            gen.writeNumber(d);
            return;
          }
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      throw new WrongType(field, "a number", value);
    }
  }
}
