package dev.swarm.pipeline.ingest.otlp;

import dev.swarm.pipeline.schema.Utf8;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.UnsafeByteOperations;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.SpanLimits;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Decodes an OTLP/JSON {@code ExportTraceServiceRequest} into the generated opentelemetry-proto messages with
 * Jackson's streaming parser, then maps them with {@link OtlpTranslator}, the mapping protobuf requests take too.
 *
 * <p>This is the proto3 JSON mapping of the trace messages (what protobuf-java-util's {@code JsonFormat} reads,
 * at more than twice its speed, ingest-verticle/README.md) plus OTLP's own rules: trace and span ids are hex,
 * not base64 (either case); enums are numbers or names (an unknown name is 0); 64-bit integers are strings or
 * numbers; keys are lowerCamelCase or the proto field names; {@code null} is the default; unknown fields are
 * skipped; the pre-1.0 names {@code instrumentationLibrarySpans} and {@code instrumentationLibrary} are read as
 * {@code scopeSpans} and {@code scope}. A known field of the wrong JSON type, or an AnyValue with two values,
 * makes the body {@link ConversionResult.Malformed}, as {@code JsonFormat} would. Thread-safe.
 */
public final class OtlpJsonDecoder {

  private static final JsonFactory JSON = new JsonFactory();
  private static final BigInteger MAX_UNSIGNED_64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  /**
   * What an id that is not hex reads as: one byte, an id of no valid size, so the translator rejects that span
   * alone with the message of a wrong-sized id, as it does an id of the wrong length.
   */
  private static final ByteString NOT_HEX = ByteString.copyFrom(new byte[] {(byte) 0xff});

  private final OtlpTranslator translator;

  public OtlpJsonDecoder(SpanLimits limits) {
    this.translator = new OtlpTranslator(limits);
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    int badUtf8 = Utf8.firstInvalid(body, 0, body.length);
    if (badUtf8 >= 0) {
      return new ConversionResult.Malformed("malformed OTLP/JSON: " + Utf8.invalidAt(badUtf8));
    }
    ExportTraceServiceRequest request;
    try {
      request = read(body, maxSpans);
    } catch (TooMany e) {
      return new ConversionResult.TooManySpans(maxSpans);
    } catch (JsonProcessingException e) {
      return new ConversionResult.Malformed("malformed OTLP/JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new ConversionResult.Malformed("malformed OTLP/JSON: " + e.getMessage());
    }
    return translator.translate(request, maxSpans);
  }

  /** The request as the generated message; {@link TooMany} past {@code maxSpans} spans. */
  static ExportTraceServiceRequest read(byte[] body, int maxSpans) throws IOException {
    try (JsonParser p = JSON.createParser(body)) {
      return new Reader(p, maxSpans).request();
    }
  }

  /** Control flow: the request holds more spans than allowed (reading stops there). */
  static final class TooMany extends IOException {
    TooMany() {
      super("too many spans", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** Reads one element of an array. */
  private interface Element<T> {
    T read() throws IOException;
  }

  /** One decode call: a Jackson parser and the span count. */
  private static final class Reader {
    private final JsonParser p;
    private final int maxSpans;
    private int spans;

    Reader(JsonParser p, int maxSpans) {
      this.p = p;
      this.maxSpans = maxSpans;
    }

    ExportTraceServiceRequest request() throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("OTLP/JSON body must be a JSON object");
      }
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      for (String f = field(); f != null; f = field()) {
        if (f.equals("resourceSpans")) {
          b.addAllResourceSpans(array(f, this::resourceSpans));
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new IOException("unexpected content after the JSON object");
      }
      return b.build();
    }

    private ResourceSpans resourceSpans() throws IOException {
      ResourceSpans.Builder b = ResourceSpans.newBuilder();
      startObject("resourceSpans");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "resource" -> b.setResource(resource());
          case "scopeSpans", "instrumentationLibrarySpans" -> b.addAllScopeSpans(array(f, this::scopeSpans));
          case "schemaUrl" -> b.setSchemaUrl(string(f));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private Resource resource() throws IOException {
      Resource.Builder b = Resource.newBuilder();
      startObject("resource");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "attributes" -> b.addAllAttributes(array(f, this::keyValue));
          case "droppedAttributesCount" -> b.setDroppedAttributesCount(uint32(f));
          default -> p.skipChildren(); // entityRefs: not kept
        }
      }
      return b.build();
    }

    private ScopeSpans scopeSpans() throws IOException {
      ScopeSpans.Builder b = ScopeSpans.newBuilder();
      startObject("scopeSpans");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "scope", "instrumentationLibrary" -> b.setScope(scope());
          case "spans" -> b.addAllSpans(array(f, this::span));
          case "schemaUrl" -> b.setSchemaUrl(string(f));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private InstrumentationScope scope() throws IOException {
      InstrumentationScope.Builder b = InstrumentationScope.newBuilder();
      startObject("scope");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "name" -> b.setName(string(f));
          case "version" -> b.setVersion(string(f));
          case "attributes" -> b.addAllAttributes(array(f, this::keyValue));
          case "droppedAttributesCount" -> b.setDroppedAttributesCount(uint32(f));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private Span span() throws IOException {
      if (++spans > maxSpans) {
        throw new TooMany();
      }
      Span.Builder b = Span.newBuilder();
      startObject("spans");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "traceId" -> b.setTraceId(hexId(f));
          case "spanId" -> b.setSpanId(hexId(f));
          case "traceState" -> b.setTraceState(string(f));
          case "parentSpanId" -> b.setParentSpanId(hexId(f));
          case "flags" -> b.setFlags(uint32(f));
          case "name" -> b.setName(string(f));
          case "kind" -> b.setKindValue(enumNumber(f, Span.SpanKind.getDescriptor()));
          case "startTimeUnixNano" -> b.setStartTimeUnixNano(uint64(f));
          case "endTimeUnixNano" -> b.setEndTimeUnixNano(uint64(f));
          case "attributes" -> b.addAllAttributes(array(f, this::keyValue));
          case "droppedAttributesCount" -> b.setDroppedAttributesCount(uint32(f));
          case "events" -> b.addAllEvents(array(f, this::event));
          case "droppedEventsCount" -> b.setDroppedEventsCount(uint32(f));
          case "links" -> b.addAllLinks(array(f, this::link));
          case "droppedLinksCount" -> b.setDroppedLinksCount(uint32(f));
          case "status" -> b.setStatus(status());
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private Span.Event event() throws IOException {
      Span.Event.Builder b = Span.Event.newBuilder();
      startObject("events");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "timeUnixNano" -> b.setTimeUnixNano(uint64(f));
          case "name" -> b.setName(string(f));
          case "attributes" -> b.addAllAttributes(array(f, this::keyValue));
          case "droppedAttributesCount" -> b.setDroppedAttributesCount(uint32(f));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private Span.Link link() throws IOException {
      Span.Link.Builder b = Span.Link.newBuilder();
      startObject("links");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "traceId" -> b.setTraceId(hexId(f));
          case "spanId" -> b.setSpanId(hexId(f));
          case "traceState" -> b.setTraceState(string(f));
          case "attributes" -> b.addAllAttributes(array(f, this::keyValue));
          case "droppedAttributesCount" -> b.setDroppedAttributesCount(uint32(f));
          case "flags" -> b.setFlags(uint32(f));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private Status status() throws IOException {
      Status.Builder b = Status.newBuilder();
      startObject("status");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "message" -> b.setMessage(string(f));
          case "code" -> b.setCodeValue(enumNumber(f, Status.StatusCode.getDescriptor()));
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private KeyValue keyValue() throws IOException {
      KeyValue.Builder b = KeyValue.newBuilder();
      startObject("attributes");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "key" -> b.setKey(string(f));
          case "value" -> b.setValue(anyValue());
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private AnyValue anyValue() throws IOException {
      AnyValue.Builder b = AnyValue.newBuilder();
      startObject("value");
      for (String f = field(); f != null; f = field()) {
        switch (f) {
          case "stringValue" -> one(b).setStringValue(string(f));
          case "boolValue" -> one(b).setBoolValue(bool(f));
          case "intValue" -> one(b).setIntValue(int64(f));
          case "doubleValue" -> one(b).setDoubleValue(number(f));
          case "bytesValue" -> one(b).setBytesValue(base64(f));
          case "arrayValue" -> one(b).setArrayValue(arrayValue());
          case "kvlistValue" -> one(b).setKvlistValue(kvlistValue());
          default -> p.skipChildren();
        }
      }
      return b.build();
    }

    private ArrayValue arrayValue() throws IOException {
      ArrayValue.Builder b = ArrayValue.newBuilder();
      startObject("arrayValue");
      for (String f = field(); f != null; f = field()) {
        if (f.equals("values")) {
          b.addAllValues(array(f, this::anyValue));
        } else {
          p.skipChildren();
        }
      }
      return b.build();
    }

    private KeyValueList kvlistValue() throws IOException {
      KeyValueList.Builder b = KeyValueList.newBuilder();
      startObject("kvlistValue");
      for (String f = field(); f != null; f = field()) {
        if (f.equals("values")) {
          b.addAllValues(array(f, this::keyValue));
        } else {
          p.skipChildren();
        }
      }
      return b.build();
    }

    private AnyValue.Builder one(AnyValue.Builder b) throws IOException {
      if (b.getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) {
        throw new IOException("\"value\" must be an AnyValue with one value, not two");
      }
      return b;
    }

    /** Checks that the parser is on an object's start; {@link #field} then gives its fields. */
    private void startObject(String name) throws IOException {
      expect(JsonToken.START_OBJECT, name, "an object");
    }

    /**
     * The next field of the current object, in lowerCamelCase, the parser then on its value ({@code null} values
     * are skipped: the proto JSON mapping's default); null at the object's end.
     */
    private String field() throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        if (p.nextToken() != JsonToken.VALUE_NULL) {
          return lowerCamel(name);
        }
      }
      return null;
    }

    /** The elements of the array the parser is on, each read by {@code element} (the parser on its first token). */
    private <T> List<T> array(String name, Element<T> element) throws IOException {
      expect(JsonToken.START_ARRAY, name, "an array");
      List<T> elements = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        elements.add(element.read());
      }
      return elements;
    }

    private void expect(JsonToken token, String name, String what) throws IOException {
      if (p.currentToken() != token) {
        throw wrongType(name, what);
      }
    }

    private IOException wrongType(String name, String what) throws IOException {
      JsonToken found = p.currentToken();
      return new IOException("\"" + name + "\" must be " + what + ", not "
          + (found == null ? "nothing" : found.isScalarValue() ? p.getText() : found.asString()));
    }

    private String string(String name) throws IOException {
      expect(JsonToken.VALUE_STRING, name, "a string");
      return p.getText();
    }

    private boolean bool(String name) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_TRUE || p.currentToken() == JsonToken.VALUE_FALSE) {
        return p.currentToken() == JsonToken.VALUE_TRUE;
      }
      throw wrongType(name, "a boolean");
    }

    /** An id: hex digits, either case, to bytes; text that is not hex reads as {@link #NOT_HEX}. */
    private ByteString hexId(String name) throws IOException {
      String text = string(name);
      try {
        return UnsafeByteOperations.unsafeWrap(HexFormat.of().parseHex(text));
      } catch (IllegalArgumentException e) {
        return NOT_HEX;
      }
    }

    private ByteString base64(String name) throws IOException {
      String text = string(name);
      try { // the proto JSON mapping writes standard base64 and reads the URL-safe alphabet too
        boolean urlSafe = text.indexOf('-') >= 0 || text.indexOf('_') >= 0;
        return UnsafeByteOperations.unsafeWrap((urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(text));
      } catch (IllegalArgumentException e) {
        throw wrongType(name, "base64");
      }
    }

    /** An enum: its number, or its name (a name this version does not know is 0). */
    private int enumNumber(String name, EnumDescriptor type) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
        return p.getIntValue();
      }
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        EnumValueDescriptor value = type.findValueByName(p.getText());
        return value == null ? 0 : value.getNumber();
      }
      throw wrongType(name, "an enum number or name");
    }

    private long int64(String name) throws IOException {
      try {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
          return Long.parseLong(p.getText().trim());
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
          return p.getLongValue();
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw wrongType(name, "a 64-bit integer (as a string or number)");
    }

    private long uint64(String name) throws IOException {
      try {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
          return Long.parseUnsignedLong(p.getText().trim());
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
          if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            if (p.getLongValue() >= 0) {
              return p.getLongValue();
            }
          } else if (p.getBigIntegerValue().compareTo(MAX_UNSIGNED_64) <= 0) {
            return p.getBigIntegerValue().longValue();
          }
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw wrongType(name, "an unsigned 64-bit integer (as a string or number)");
    }

    private int uint32(String name) throws IOException {
      try {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
          return Integer.parseUnsignedInt(p.getText().trim());
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
            && p.getLongValue() >= 0 && p.getLongValue() <= 0xffff_ffffL) {
          return (int) p.getLongValue();
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw wrongType(name, "an unsigned 32-bit integer");
    }

    /** A double: a JSON number, or a string holding one, {@code NaN}, {@code Infinity} or {@code -Infinity}. */
    private double number(String name) throws IOException {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
        return p.getDoubleValue();
      }
      if (t == JsonToken.VALUE_STRING) {
        String text = p.getText();
        switch (text) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            try {
              double d = Double.parseDouble(text);
              if (Double.isFinite(d)) {
                return d;
              }
            } catch (NumberFormatException e) {
              // reported below
            }
        }
      }
      throw wrongType(name, "a number");
    }
  }

  /** A proto field name ({@code start_time_unix_nano}) as its JSON name ({@code startTimeUnixNano}). */
  static String lowerCamel(String name) {
    if (name.indexOf('_') < 0) {
      return name;
    }
    StringBuilder sb = new StringBuilder(name.length());
    boolean upper = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '_') {
        upper = true;
      } else {
        sb.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return sb.toString();
  }
}
