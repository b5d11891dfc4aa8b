package dev.swarm.pipeline.ingest.zipkin;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.SpanBuilder;
import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanContract;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes a Zipkin v2 proto3 body ({@code zipkin2.ListOfSpans}) into contract spans, reading the wire format with
 * {@link CodedInputStream}. Field numbers are those of zipkin2/proto3/zipkin.proto; unknown fields are skipped.
 * Thread-safe.
 */
public final class ZipkinProto3Decoder {

  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int VARINT = WireFormat.WIRETYPE_VARINT;
  private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;

  private final SpanLimits limits;

  public ZipkinProto3Decoder(SpanLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    SpanBuilder builder = new SpanBuilder(limits);
    List<Span> spans = new ArrayList<>();
    List<FieldError> errors = new ArrayList<>();
    int total = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ((1 << 3) | LEN)) {
          if (total >= maxSpans) {
            return new ConversionResult.TooManySpans(maxSpans);
          }
          int limit = in.pushLimit(in.readRawVarint32());
          Span span = span(in, builder, total++, errors);
          in.popLimit(limit);
          if (span != null) {
            spans.add(span);
          }
        } else {
          in.skipField(tag);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return new ConversionResult.Malformed("not a Zipkin proto3 ListOfSpans: " + e.getMessage());
    } catch (IOException e) {
      return new ConversionResult.Malformed("not a Zipkin proto3 ListOfSpans: " + e.getMessage());
    }
    return new ConversionResult.Converted(spans, total - spans.size(), errors, total);
  }

  private static Span span(CodedInputStream in, SpanBuilder b, int index, List<FieldError> errors)
      throws IOException {
    b.begin(List.of());
    String traceId = null;
    String id = null;
    String parentId = null;
    String name = null;
    int kind = 0;
    long timestamp = 0;
    long duration = -1;
    boolean shared = false;
    boolean error = false;
    boolean badTrace = false;
    boolean badId = false;
    boolean badParent = false;
    boolean durationOutOfRange = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LEN:
          {
            byte[] bytes = in.readByteArray();
            traceId = bytes.length == 8 || bytes.length == 16 ? ZipkinMapping.traceId(hex(bytes)) : null;
            badTrace = traceId == null;
            break;
          }
        case (2 << 3) | LEN:
          {
            byte[] bytes = in.readByteArray();
            if (bytes.length > 0 && !allZero(bytes)) {
              parentId = bytes.length == 8 ? hex(bytes) : null;
              badParent = parentId == null;
            }
            break;
          }
        case (3 << 3) | LEN:
          {
            byte[] bytes = in.readByteArray();
            id = bytes.length == 8 ? ZipkinMapping.spanId(hex(bytes)) : null;
            badId = id == null;
            break;
          }
        case (4 << 3) | VARINT:
          kind = in.readEnum();
          break;
        case (5 << 3) | LEN:
          name = in.readString();
          break;
        case (6 << 3) | FIXED64:
          timestamp = in.readFixed64();
          break;
        case (7 << 3) | VARINT:
          duration = in.readUInt64();
          // A uint64 past 2^63 arrives negative; 2^64 - 1 would even read as -1, "no duration".
          durationOutOfRange = duration < 0;
          break;
        case (8 << 3) | LEN:
        case (9 << 3) | LEN:
          {
            int limit = in.pushLimit(in.readRawVarint32());
            endpoint(in, b, tag == ((8 << 3) | LEN));
            in.popLimit(limit);
            break;
          }
        case (10 << 3) | LEN:
          {
            int limit = in.pushLimit(in.readRawVarint32());
            long ts = 0;
            String value = null;
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
              if (t == ((1 << 3) | FIXED64)) {
                ts = in.readFixed64();
              } else if (t == ((2 << 3) | LEN)) {
                value = in.readString();
              } else {
                in.skipField(t);
              }
            }
            in.popLimit(limit);
            b.beginEvent();
            b.eventName(value);
            b.eventTimeMillis(Math.floorDiv(ts, 1000L));
            b.endEvent();
            break;
          }
        case (11 << 3) | LEN:
          {
            int limit = in.pushLimit(in.readRawVarint32());
            String key = null;
            String value = "";
            for (int t = in.readTag(); t != 0; t = in.readTag()) {
              if (t == ((1 << 3) | LEN)) {
                key = in.readString();
              } else if (t == ((2 << 3) | LEN)) {
                value = in.readString();
              } else {
                in.skipField(t);
              }
            }
            in.popLimit(limit);
            if (key != null) {
              error |= key.equals(ZipkinMapping.ERROR_TAG);
              b.stringAttribute(key, value);
            }
            break;
          }
        case (13 << 3) | VARINT:
          shared = in.readBool();
          break;
        default: // debug, unknown fields
          in.skipField(tag);
      }
    }
    if (badTrace) {
      b.invalid(SpanContract.TRACE_ID, "must be 8 or 16 bytes, not all zero");
    }
    if (badId) {
      b.invalid(SpanContract.ID, "must be 8 bytes, not all zero");
    }
    if (badParent) {
      b.invalid(SpanContract.PARENT_SPAN_ID, "must be 8 bytes");
    }
    ZipkinMapping.ids(b, traceId, id, parentId, shared);
    b.name(name == null || name.isEmpty() ? ZipkinMapping.UNKNOWN_NAME : name);
    if (!ZipkinMapping.kind(kind, b)) {
      b.invalid(SpanContract.SPAN_KIND, "must be CLIENT, SERVER, PRODUCER or CONSUMER");
    }
    if (error) {
      b.status(SpanStatus.ERROR);
    }
    if (timestamp > 0) {
      ZipkinMapping.times(b, timestamp, durationOutOfRange ? Long.MIN_VALUE : duration);
    } else {
      b.invalid(SpanContract.START_TIME, "timestamp required (microseconds since the epoch)");
    }
    return b.build(index, errors, SpanDecoder.MAX_ERROR_DETAILS);
  }

  private static void endpoint(CodedInputStream in, SpanBuilder b, boolean local) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case (1 << 3) | LEN:
          {
            String service = in.readString();
            if (!service.isEmpty()) {
              b.stringAttribute(local ? SpanBuilder.SERVICE_NAME : ZipkinMapping.REMOTE_SERVICE, service);
            }
            break;
          }
        case (2 << 3) | LEN:
        case (3 << 3) | LEN:
          {
            byte[] address = in.readByteArray();
            if (address.length == 4 || address.length == 16) {
              try {
                b.stringAttribute(local ? ZipkinMapping.LOCAL_ADDRESS : ZipkinMapping.REMOTE_ADDRESS,
                    InetAddress.getByAddress(address).getHostAddress());
              } catch (UnknownHostException e) {
                // cannot happen for 4 or 16 bytes
              }
            }
            break;
          }
        case (4 << 3) | VARINT:
          {
            int port = in.readInt32();
            var gen = b.attribute(local ? ZipkinMapping.LOCAL_PORT : ZipkinMapping.REMOTE_PORT);
            if (gen != null) {
              gen.writeNumber(port);
            }
            break;
          }
        default:
          in.skipField(tag);
      }
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte value : bytes) {
      sb.append(Character.forDigit((value >> 4) & 0xf, 16)).append(Character.forDigit(value & 0xf, 16));
    }
    return sb.toString();
  }

  private static boolean allZero(byte[] bytes) {
    for (byte value : bytes) {
      if (value != 0) {
        return false;
      }
    }
    return true;
  }
}
