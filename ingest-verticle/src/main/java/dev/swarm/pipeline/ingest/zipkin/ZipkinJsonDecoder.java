package dev.swarm.pipeline.ingest.zipkin;

import dev.swarm.pipeline.schema.Utf8;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Decodes a Zipkin v2 JSON body (an array of span objects) into contract spans with Jackson's streaming parser.
 * Times are microseconds. Unknown fields are ignored; a known field of the wrong JSON type makes the body
 * {@link ConversionResult.Malformed}, as Zipkin's own reader refuses it. Thread-safe.
 */
public final class ZipkinJsonDecoder {

  private static final JsonFactory JSON = new JsonFactory();

  private final SpanLimits limits;

  public ZipkinJsonDecoder(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    int badUtf8 = Utf8.firstInvalid(body, 0, body.length);
    if (badUtf8 >= 0) {
      return new ConversionResult.Malformed(Utf8.invalidAt(badUtf8));
    }
    SpanBuilder builder = new SpanBuilder(limits);
    List<Span> spans = new ArrayList<>();
    List<FieldError> errors = new ArrayList<>();
    int total = 0;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return new ConversionResult.Malformed("a Zipkin v2 JSON body is an array of span objects");
      }
      while (p.nextToken() != JsonToken.END_ARRAY) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
          throw new WrongType("span", "an object", p.currentToken());
        }
        if (total >= maxSpans) {
          return new ConversionResult.TooManySpans(maxSpans);
        }
        Span span = span(p, builder, total++, errors);
        if (span != null) {
          spans.add(span);
        }
      }
      if (p.nextToken() != null) {
        return new ConversionResult.Malformed("unexpected content after the JSON array");
      }
    } catch (JsonProcessingException e) {
      return new ConversionResult.Malformed("malformed Zipkin JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new ConversionResult.Malformed("malformed Zipkin JSON: " + e.getMessage());
    }
    return new ConversionResult.Converted(spans, total - spans.size(), errors, total);
  }

  private static final class WrongType extends IOException {
    WrongType(String field, String expected, JsonToken found) {
      super("\"" + field + "\" must be " + expected + ", not "
          + (found == null ? "nothing" : found.name().toLowerCase(Locale.ROOT)), null);
    }
  }

  /** One span object (START_OBJECT current). */
  private static Span span(JsonParser p, SpanBuilder b, int index, List<FieldError> errors) throws IOException {
    b.begin(List.of());
    String traceId = null;
    String id = null;
    String parentId = null;
    String name = null;
    String kind = null;
    long timestamp = -1;
    long duration = -1;
    boolean shared = false;
    boolean error = false;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "traceId":
          traceId = string(p, value, field);
          break;
        case "id":
          id = string(p, value, field);
          break;
        case "parentId":
          parentId = string(p, value, field);
          break;
        case "name":
          name = string(p, value, field);
          break;
        case "kind":
          kind = string(p, value, field);
          break;
        case "timestamp":
          timestamp = number(p, value, field);
          break;
        case "duration":
          duration = number(p, value, field);
          break;
        case "shared":
          shared = bool(p, value, field);
          break;
        case "localEndpoint":
          endpoint(p, value, field, b, true);
          break;
        case "remoteEndpoint":
          endpoint(p, value, field, b, false);
          break;
        case "annotations":
          expect(value, JsonToken.START_ARRAY, field, "an array");
          while (p.nextToken() != JsonToken.END_ARRAY) {
            annotation(p, b);
          }
          break;
        case "tags":
          expect(value, JsonToken.START_OBJECT, field, "an object");
          for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            error |= key.equals(ZipkinMapping.ERROR_TAG);
            if (v == JsonToken.VALUE_STRING) {
              b.stringAttribute(key, p.getText());
            } else if (v.isScalarValue()) {
              // Zipkin tags are strings; numbers and booleans some clients send are kept as they are.
              var gen = b.attribute(key);
              if (gen != null) {
                gen.copyCurrentEvent(p);
              }
            } else {
              throw new WrongType("tags." + key, "a string", v);
            }
          }
          break;
        default: // debug and unknown fields
          p.skipChildren();
      }
    }
    String trace = traceId == null ? null : ZipkinMapping.traceId(traceId);
    String span = id == null ? null : ZipkinMapping.spanId(id);
    if (traceId != null && trace == null) {
      b.invalid(SpanContract.TRACE_ID, "must be 16 or 32 hex digits, not all zero");
    }
    if (id != null && span == null) {
      b.invalid(SpanContract.ID, "must be 16 hex digits, not all zero");
    }
    String parent = null;
    if (parentId != null && !parentId.isEmpty() && !ZipkinMapping.isZeros(parentId)) {
      parent = ZipkinMapping.spanId(parentId);
      if (parent == null) {
        b.invalid(SpanContract.PARENT_SPAN_ID, "must be 16 hex digits");
      }
    }
    ZipkinMapping.ids(b, trace, span, parent, shared);
    b.name(name == null || name.isEmpty() ? ZipkinMapping.UNKNOWN_NAME : name);
    if (kind != null && !ZipkinMapping.kind(kind, b)) {
      b.invalid(SpanContract.SPAN_KIND, "must be CLIENT, SERVER, PRODUCER or CONSUMER");
    }
    if (error) {
      b.status(SpanStatus.ERROR);
    }
    if (timestamp >= 0) {
      ZipkinMapping.times(b, timestamp, duration);
    } else {
      b.invalid(SpanContract.START_TIME, "timestamp required (microseconds since the epoch)");
    }
    return b.build(index, errors, SpanDecoder.MAX_ERROR_DETAILS);
  }

  private static void endpoint(JsonParser p, JsonToken value, String field, SpanBuilder b, boolean local)
      throws IOException {
    expect(value, JsonToken.START_OBJECT, field, "an object");
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (name) {
        case "serviceName":
          {
            String service = string(p, v, field + ".serviceName");
            if (!service.isEmpty()) {
              b.stringAttribute(local ? SpanBuilder.SERVICE_NAME : ZipkinMapping.REMOTE_SERVICE, service);
            }
            break;
          }
        case "ipv4":
        case "ipv6":
          {
            String address = string(p, v, field + "." + name);
            if (!address.isEmpty()) {
              b.stringAttribute(local ? ZipkinMapping.LOCAL_ADDRESS : ZipkinMapping.REMOTE_ADDRESS, address);
            }
            break;
          }
        case "port":
          {
            long port = number(p, v, field + ".port");
            var gen = b.attribute(local ? ZipkinMapping.LOCAL_PORT : ZipkinMapping.REMOTE_PORT);
            if (gen != null) {
              gen.writeNumber(port);
            }
            break;
          }
        default:
          p.skipChildren();
      }
    }
  }

  private static void annotation(JsonParser p, SpanBuilder b) throws IOException {
    expect(p.currentToken(), JsonToken.START_OBJECT, "annotations", "an array of objects");
    long timestamp = 0;
    String value = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("timestamp")) {
        timestamp = number(p, v, "annotations.timestamp");
      } else if (name.equals("value")) {
        value = string(p, v, "annotations.value");
      } else {
        p.skipChildren();
      }
    }
    b.beginEvent();
    b.eventName(value);
    b.eventTimeMillis(Math.floorDiv(timestamp, 1000L));
    b.endEvent();
  }

  private static void expect(JsonToken value, JsonToken wanted, String field, String what) throws IOException {
    if (value != wanted) {
      throw new WrongType(field, what, value);
    }
  }

  private static String string(JsonParser p, JsonToken value, String field) throws IOException {
    expect(value, JsonToken.VALUE_STRING, field, "a string");
    return p.getText();
  }

  private static long number(JsonParser p, JsonToken value, String field) throws IOException {
    if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
        && p.getLongValue() >= 0) {
      return p.getLongValue();
    }
    throw new WrongType(field, "a non-negative integer", value);
  }

  private static boolean bool(JsonParser p, JsonToken value, String field) throws IOException {
    if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
      return value == JsonToken.VALUE_TRUE;
    }
    throw new WrongType(field, "a boolean", value);
  }
}
