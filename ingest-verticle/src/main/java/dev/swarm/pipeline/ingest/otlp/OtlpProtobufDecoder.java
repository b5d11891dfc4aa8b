package dev.swarm.pipeline.ingest.otlp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.schema.SpanLimits;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;

/**
 * Decodes an OTLP {@code ExportTraceServiceRequest} (protobuf) with the generated opentelemetry-proto parser, then
 * maps it with {@link OtlpTranslator}. A body that is not a valid message of this type, strings that are not
 * UTF-8 included (proto3 requires it), is {@link ConversionResult.Malformed}. Thread-safe.
 */
public final class OtlpProtobufDecoder {

  /**
   * Message nesting the parser follows (protobuf's default is 100). An attribute value takes up to three messages
   * a level (AnyValue, KeyValueList, KeyValue) below the six of request, resource spans, scope spans, span, event
   * and key/value: 400 parses every value the contract takes (32 levels) and values well past it, which then
   * reject their span; a body nested deeper is refused whole.
   */
  static final int MAX_MESSAGE_DEPTH = 400;

  private static final int RESOURCE_SPANS = lengthDelimited(ExportTraceServiceRequest.RESOURCE_SPANS_FIELD_NUMBER);
  private static final int SCOPE_SPANS = lengthDelimited(ResourceSpans.SCOPE_SPANS_FIELD_NUMBER);
  private static final int SPANS = lengthDelimited(ScopeSpans.SPANS_FIELD_NUMBER);

  private final OtlpTranslator translator;

  public OtlpProtobufDecoder(SpanLimits limits) {
    this.translator = new OtlpTranslator(limits);
  }

  public ConversionResult decode(byte[] body, int maxSpans) {
    ExportTraceServiceRequest request;
    try {
      if (countSpans(body) > maxSpans) {
        return new ConversionResult.TooManySpans(maxSpans);
      }
      CodedInputStream in = UnsafeByteOperations.unsafeWrap(body).newCodedInput(); // the body is not changed
      in.enableAliasing(true); // so ids and bytes values can share it instead of being copied
      in.setRecursionLimit(MAX_MESSAGE_DEPTH);
      request = ExportTraceServiceRequest.parseFrom(in);
    } catch (IOException e) {
      return new ConversionResult.Malformed("not an OTLP ExportTraceServiceRequest: " + problem(e));
    }
    return translator.translate(request, maxSpans);
  }

  /**
   * The spans of the request, counted on the wire before any message is built: a parsed empty span takes about
   * 100 bytes of heap for its 2 bytes on the wire, so a body of too many spans is refused before it takes memory.
   */
  private static int countSpans(byte[] body) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(body);
    int spans = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag != RESOURCE_SPANS) {
        in.skipField(tag);
        continue;
      }
      int resourceSpans = in.pushLimit(in.readRawVarint32());
      for (int t = in.readTag(); t != 0; t = in.readTag()) {
        if (t != SCOPE_SPANS) {
          in.skipField(t);
          continue;
        }
        int scopeSpans = in.pushLimit(in.readRawVarint32());
        for (int s = in.readTag(); s != 0; s = in.readTag()) {
          spans += s == SPANS ? 1 : 0;
          in.skipField(s);
        }
        in.popLimit(scopeSpans);
      }
      in.popLimit(resourceSpans);
    }
    return spans;
  }

  private static int lengthDelimited(int fieldNumber) {
    return (fieldNumber << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /** The parser's complaint, said for a client (not "use setRecursionLimit()"). */
  private static String problem(IOException e) {
    String message = String.valueOf(e.getMessage());
    if (e instanceof InvalidProtocolBufferException && message.contains("invalid UTF-8")) {
      return "a string field is not valid UTF-8 (proto3 strings must be)";
    }
    if (e instanceof InvalidProtocolBufferException && message.contains("too many levels of nesting")) {
      return "messages nested more than " + MAX_MESSAGE_DEPTH + " levels deep";
    }
    return message;
  }
}
