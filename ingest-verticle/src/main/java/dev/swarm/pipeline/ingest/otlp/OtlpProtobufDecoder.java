package dev.swarm.pipeline.ingest.otlp;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Decodes an OTLP {@code ExportTraceServiceRequest} (protobuf) straight into contract spans, reading the wire
 * format with protobuf-java's {@link CodedInputStream}: no message objects are built, each span's attributes and
 * events are written as JSON while they are read. Fields may come in any order, as protobuf allows; unknown
 * fields are skipped.
 *
 * <p>Per span, conversion problems (an id of the wrong size, end before start, a limit broken) reject that span
 * only; a body that is not valid protobuf of this shape is {@link ConversionResult.Malformed}. Thread-safe.
 */
public final class OtlpProtobufDecoder {

  private static final int WIRE_LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final SpanLimits limits;

  public OtlpProtobufDecoder(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    Session s = new Session(body, maxSpans);
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | WIRE_LEN)) { // resource_spans
          int length = in.readRawVarint32();
          int offset = in.getTotalBytesRead();
          checkRange(body, offset, length);
          s.resourceSpans(offset, length);
          in.skipRawBytes(length);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (TooMany e) {
      return new ConversionResult.TooManySpans(maxSpans);
    } catch (InvalidProtocolBufferException e) {
      return new ConversionResult.Malformed("not an OTLP ExportTraceServiceRequest: " + e.getMessage());
    } catch (IOException e) {
      return new ConversionResult.Malformed("not an OTLP ExportTraceServiceRequest: " + e.getMessage());
    }
    return new ConversionResult.Converted(s.spans, s.total - s.spans.size(), s.errors, s.total);
  }

  private static void checkRange(byte[] body, int offset, int length) throws InvalidProtocolBufferException {
    if (length < 0 || offset + length > body.length) {
      throw new InvalidProtocolBufferException("a length-delimited field runs past the end of the message");
    }
  }

  /** Control flow: the request holds more spans than allowed. */
  private static final class TooMany extends IOException {
    TooMany() {
      super("too many spans", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** One decode call's state. */
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

    /** ResourceSpans: the resource first (it may come after the spans on the wire), then the scope spans. */
    void resourceSpans(int offset, int length) throws IOException {
      AttributeSet resource = new AttributeSet();
      CodedInputStream in = at(offset, length);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WIRE_LEN)) { // resource
          int limit = in.pushLimit(in.readRawVarint32());
          for (int t = in.readTag(); t != 0; t = in.readTag()) {
            if (t == ((1 << 3) | WIRE_LEN)) { // attributes
              inheritedKeyValue(in, resource);
            } else {
              in.skipField(t);
            }
          }
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
      in = at(offset, length);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((2 << 3) | WIRE_LEN)) { // scope_spans
          int len = in.readRawVarint32();
          int at = in.getTotalBytesRead();
          checkRange(body, at, len);
          scopeSpans(at, len, resource);
          in.skipRawBytes(len);
        } else {
          in.skipField(tag);
        }
      }
    }

    void scopeSpans(int offset, int length, AttributeSet resource) throws IOException {
      AttributeSet scope = new AttributeSet();
      CodedInputStream in = at(offset, length);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WIRE_LEN)) { // scope: InstrumentationScope
          int limit = in.pushLimit(in.readRawVarint32());
          for (int t = in.readTag(); t != 0; t = in.readTag()) {
            switch (t) {
              case (1 << 3) | WIRE_LEN:
                String name = in.readString();
                if (!name.isEmpty()) {
                  scope.addString(OtlpMapping.SCOPE_NAME_ATTRIBUTE, name);
                }
                break;
              case (2 << 3) | WIRE_LEN:
                String version = in.readString();
                if (!version.isEmpty()) {
                  scope.addString(OtlpMapping.SCOPE_VERSION_ATTRIBUTE, version);
                }
                break;
              case (3 << 3) | WIRE_LEN:
                inheritedKeyValue(in, scope);
                break;
              default:
                in.skipField(t);
            }
          }
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
      List<AttributeSet> inherited = scope.isEmpty() ? List.of(resource) : List.of(resource, scope);
      in = at(offset, length);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((2 << 3) | WIRE_LEN)) { // spans
          int limit = in.pushLimit(in.readRawVarint32());
          span(in, inherited);
          in.popLimit(limit);
        } else {
          in.skipField(tag);
        }
      }
    }

    /** One Span message (limit pushed); adds the span or its problems. */
    void span(CodedInputStream in, List<AttributeSet> inherited) throws IOException {
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
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case (1 << 3) | WIRE_LEN:
            id(in, b, SpanContract.TRACE_ID, OtlpMapping.TRACE_ID_BYTES);
            break;
          case (2 << 3) | WIRE_LEN:
            id(in, b, SpanContract.ID, OtlpMapping.SPAN_ID_BYTES);
            break;
          case (4 << 3) | WIRE_LEN:
            id(in, b, SpanContract.PARENT_SPAN_ID, OtlpMapping.SPAN_ID_BYTES);
            break;
          case (5 << 3) | WIRE_LEN:
            name = in.readString();
            break;
          case (6 << 3) | WireFormat.WIRETYPE_VARINT:
            kind = in.readEnum();
            break;
          case (7 << 3) | WireFormat.WIRETYPE_FIXED64:
            startNanos = in.readFixed64();
            break;
          case (8 << 3) | WireFormat.WIRETYPE_FIXED64:
            endNanos = in.readFixed64();
            break;
          case (9 << 3) | WIRE_LEN:
            spanKeyValue(in, b, false);
            break;
          case (11 << 3) | WIRE_LEN:
            {
              int limit = in.pushLimit(in.readRawVarint32());
              event(in, b);
              in.popLimit(limit);
              break;
            }
          case (15 << 3) | WIRE_LEN:
            {
              int limit = in.pushLimit(in.readRawVarint32());
              for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == ((2 << 3) | WIRE_LEN)) {
                  statusMessage = in.readString();
                } else if (t == ((3 << 3) | WireFormat.WIRETYPE_VARINT)) {
                  statusCode = in.readEnum();
                } else {
                  in.skipField(t);
                }
              }
              in.popLimit(limit);
              break;
            }
          default: // trace_state, dropped counts, links, flags, unknown fields
            in.skipField(tag);
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

    private void id(CodedInputStream in, SpanBuilder b, String field, int size) throws IOException {
      int length = in.readRawVarint32();
      byte[] bytes = in.readRawBytes(length);
      boolean parent = field.equals(SpanContract.PARENT_SPAN_ID);
      if (parent && (length == 0 || (length == size && OtlpMapping.allZero(bytes, 0, size)))) {
        b.parentSpanId(null); // a root
        return;
      }
      if (length != size || OtlpMapping.allZero(bytes, 0, length)) {
        b.invalid(field, OtlpMapping.idMessage(field, size));
        return;
      }
      String hex = OtlpMapping.hex(bytes, 0, size);
      switch (field) {
        case SpanContract.TRACE_ID:
          b.traceId(hex);
          break;
        case SpanContract.ID:
          b.spanId(hex);
          break;
        default:
          b.parentSpanId(hex);
      }
    }

    /** Event message (limit pushed). */
    private void event(CodedInputStream in, SpanBuilder b) throws IOException {
      b.beginEvent();
      long time = 0;
      String name = null;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case (1 << 3) | WireFormat.WIRETYPE_FIXED64:
            time = in.readFixed64();
            break;
          case (2 << 3) | WIRE_LEN:
            name = in.readString();
            break;
          case (3 << 3) | WIRE_LEN:
            spanKeyValue(in, b, true);
            break;
          default:
            in.skipField(tag);
        }
      }
      b.eventName(name == null || name.isEmpty() ? OtlpMapping.UNKNOWN_NAME : name);
      b.eventTimeMillis(OtlpMapping.nanosToMillis(time));
      b.endEvent();
    }

    /**
     * A KeyValue of a span or event, written into the builder's JSON. Usually the key comes first and the value is
     * written as it is read; a value before its key is decoded again from its recorded position.
     */
    private void spanKeyValue(CodedInputStream in, SpanBuilder b, boolean event) throws IOException {
      int limit = in.pushLimit(in.readRawVarint32());
      String key = null;
      int valueOffset = -1;
      int valueLength = 0;
      boolean written = false;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WIRE_LEN)) {
          key = in.readString();
        } else if (tag == ((2 << 3) | WIRE_LEN)) {
          int length = in.readRawVarint32();
          int at = in.getTotalBytesRead();
          if (key != null && !written) {
            int inner = in.pushLimit(length);
            writeKeyed(in, b, key, event);
            in.popLimit(inner);
            written = true;
          } else {
            valueOffset = at;
            valueLength = length;
            in.skipRawBytes(length);
          }
        } else {
          in.skipField(tag);
        }
      }
      in.popLimit(limit);
      if (!written && key != null) {
        if (valueOffset < 0) {
          writeKeyedNull(b, key, event);
        } else {
          CodedInputStream again = at(valueOffset, valueLength);
          writeKeyed(again, b, key, event);
        }
      }
    }

    private void writeKeyedNull(SpanBuilder b, String key, boolean event) throws IOException {
      JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
      if (gen != null) {
        gen.writeNull();
      }
    }

    /** Reads the AnyValue under the current limit and writes it as the value of attribute {@code key}. */
    private void writeKeyed(CodedInputStream in, SpanBuilder b, String key, boolean event) throws IOException {
      // A plain string is the common case, and a candidate for tenant/ticket/agent id.
      int tag = in.readTag();
      if (tag == ((1 << 3) | WIRE_LEN) && !event) {
        String value = in.readString();
        if (in.readTag() == 0) {
          b.stringAttribute(key, value);
          return;
        }
        throw new InvalidProtocolBufferException("AnyValue with more than one value");
      }
      JsonGenerator gen = event ? b.eventAttribute(key) : b.attribute(key);
      if (gen == null) {
        skipRest(in, tag);
        return;
      }
      try {
        anyValueFrom(in, tag, gen, 0);
      } catch (DepthExceeded e) {
        b.attributeFailed(event ? "events.attributes" : SpanContract.ATTRIBUTES, e);
      } catch (com.fasterxml.jackson.core.JsonGenerationException e) {
        b.attributeFailed(event ? "events.attributes" : SpanContract.ATTRIBUTES, e);
      }
    }

    private void skipRest(CodedInputStream in, int tag) throws IOException {
      while (tag != 0) {
        in.skipField(tag);
        tag = in.readTag();
      }
    }

    /**
     * Writes the AnyValue whose first tag was already read ({@code tag}, 0 = empty: null). The last value set
     * wins, as protobuf merges a repeated oneof.
     */
    private void anyValueFrom(CodedInputStream in, int tag, JsonGenerator gen, int depth) throws IOException {
      if (depth > OtlpMapping.MAX_VALUE_DEPTH) {
        throw new DepthExceeded();
      }
      if (tag == 0) {
        gen.writeNull();
        return;
      }
      boolean wrote = false;
      for (; tag != 0; tag = in.readTag()) {
        if (wrote) {
          // A second value in one AnyValue is legal protobuf but never sent; refuse rather than guess.
          throw new InvalidProtocolBufferException("AnyValue with more than one value");
        }
        switch (tag) {
          case (1 << 3) | WIRE_LEN:
            gen.writeString(in.readString());
            break;
          case (2 << 3) | WireFormat.WIRETYPE_VARINT:
            gen.writeBoolean(in.readBool());
            break;
          case (3 << 3) | WireFormat.WIRETYPE_VARINT:
            gen.writeNumber(in.readInt64());
            break;
          case (4 << 3) | WireFormat.WIRETYPE_FIXED64:
            writeDouble(gen, in.readDouble());
            break;
          case (5 << 3) | WIRE_LEN:
            {
              int limit = in.pushLimit(in.readRawVarint32());
              gen.writeStartArray();
              for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == ((1 << 3) | WIRE_LEN)) {
                  int inner = in.pushLimit(in.readRawVarint32());
                  anyValueFrom(in, in.readTag(), gen, depth + 1);
                  in.popLimit(inner);
                } else {
                  in.skipField(t);
                }
              }
              gen.writeEndArray();
              in.popLimit(limit);
              break;
            }
          case (6 << 3) | WIRE_LEN:
            {
              int limit = in.pushLimit(in.readRawVarint32());
              gen.writeStartObject();
              for (int t = in.readTag(); t != 0; t = in.readTag()) {
                if (t == ((1 << 3) | WIRE_LEN)) {
                  int inner = in.pushLimit(in.readRawVarint32());
                  nestedKeyValue(in, gen, depth + 1);
                  in.popLimit(inner);
                } else {
                  in.skipField(t);
                }
              }
              gen.writeEndObject();
              in.popLimit(limit);
              break;
            }
          case (7 << 3) | WIRE_LEN:
            gen.writeString(Base64.getEncoder().encodeToString(in.readByteArray()));
            break;
          default:
            in.skipField(tag);
            continue;
        }
        wrote = true;
      }
      if (!wrote) {
        gen.writeNull();
      }
    }

    /** A KeyValue inside a kvlist (limit pushed): key, then value, in either order. */
    private void nestedKeyValue(CodedInputStream in, JsonGenerator gen, int depth) throws IOException {
      String key = null;
      int valueOffset = -1;
      int valueLength = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WIRE_LEN)) {
          key = in.readString();
        } else if (tag == ((2 << 3) | WIRE_LEN)) {
          valueLength = in.readRawVarint32();
          valueOffset = in.getTotalBytesRead();
          in.skipRawBytes(valueLength);
        } else {
          in.skipField(tag);
        }
      }
      if (key == null) {
        return; // a value without a key cannot be written
      }
      gen.writeFieldName(key);
      if (valueOffset < 0) {
        gen.writeNull();
        return;
      }
      CodedInputStream value = at(valueOffset, valueLength);
      anyValueFrom(value, value.readTag(), gen, depth);
    }

    /**
     * A stream over {@code length} bytes at {@code offset} of the body. Every stream spans the whole body (moved
     * to the offset, limited to the length), so {@code getTotalBytesRead()} is always a position in the body.
     */
    private CodedInputStream at(int offset, int length) throws IOException {
      CodedInputStream in = CodedInputStream.newInstance(body);
      in.skipRawBytes(offset);
      in.pushLimit(length);
      return in;
    }

    /** Reads a resource or scope KeyValue into an attribute set (values serialised once, reused per span). */
    private void inheritedKeyValue(CodedInputStream in, AttributeSet set) throws IOException {
      int limit = in.pushLimit(in.readRawVarint32());
      String key = null;
      int valueOffset = -1;
      int valueLength = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | WIRE_LEN)) {
          key = in.readString();
        } else if (tag == ((2 << 3) | WIRE_LEN)) {
          valueLength = in.readRawVarint32();
          valueOffset = in.getTotalBytesRead();
          in.skipRawBytes(valueLength);
        } else {
          in.skipField(tag);
        }
      }
      in.popLimit(limit);
      if (key == null) {
        return;
      }
      if (valueOffset < 0) {
        set.add(key, "null");
        return;
      }
      CodedInputStream value = at(valueOffset, valueLength);
      int tag = value.readTag();
      if (tag == ((1 << 3) | WIRE_LEN)) {
        String text = value.readString();
        if (value.readTag() == 0) {
          set.addString(key, text);
          return;
        }
        value = at(valueOffset, valueLength);
        tag = value.readTag();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      try (JsonGenerator gen = AttributeSet.valueGenerator(out)) {
        gen.enable(JsonGenerator.Feature.STRICT_DUPLICATE_DETECTION);
        anyValueFrom(value, tag, gen, 0);
      } catch (DepthExceeded | com.fasterxml.jackson.core.JsonGenerationException e) {
        return; // a resource attribute that cannot be written is left out rather than failing every span
      }
      set.add(key, out.toString(StandardCharsets.UTF_8));
    }
  }

  private static void writeDouble(JsonGenerator gen, double d) throws IOException {
    if (Double.isFinite(d)) {
      gen.writeNumber(d);
    } else {
      // JSON has no NaN or infinities; the proto JSON mapping writes them as these strings.
      gen.writeString(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    }
  }

  /** An attribute value nested deeper than {@link OtlpMapping#MAX_VALUE_DEPTH}. */
  private static final class DepthExceeded extends IOException {
    DepthExceeded() {
      super("attribute value nested deeper than " + OtlpMapping.MAX_VALUE_DEPTH + " levels", null);
    }
  }
}
