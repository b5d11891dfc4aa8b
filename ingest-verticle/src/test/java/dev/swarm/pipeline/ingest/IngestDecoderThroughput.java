package dev.swarm.pipeline.ingest;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.swarm.pipeline.ingest.otlp.OtlpJsonDecoder;
import dev.swarm.pipeline.ingest.otlp.OtlpProtobufDecoder;
import dev.swarm.pipeline.ingest.zipkin.ZipkinJsonDecoder;
import dev.swarm.pipeline.ingest.zipkin.ZipkinProto3Decoder;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.function.Supplier;

/**
 * Benchmark, not a test: single-thread decode throughput of the same 100 typical spans (4 attributes) as OTLP
 * protobuf, OTLP/JSON, Zipkin JSON, Zipkin proto3 and native contract JSON, in spans per CPU-second.
 *
 * <p>Run: {@code mvn -q -pl ingest-verticle test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp ingest-verticle/target/classes:ingest-verticle/target/test-classes:$(cat
 * ingest-verticle/target/cp.txt) dev.swarm.pipeline.ingest.IngestDecoderThroughput [seconds]}.
 */
public final class IngestDecoderThroughput {
  private static final int SPANS = 100;
  private static final long START = 1_795_000_000_123_456_789L;

  private IngestDecoderThroughput() {}

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    byte[] otlp = otlpRequest().toByteArray();
    byte[] otlpJson = otlpJson().getBytes(StandardCharsets.UTF_8);
    byte[] zipkin = zipkinJson().getBytes(StandardCharsets.UTF_8);
    byte[] zipkinProto3 = zipkinProto3();
    byte[] nativeJson = nativeJson().getBytes(StandardCharsets.UTF_8);
    OtlpProtobufDecoder otlpDecoder = new OtlpProtobufDecoder(SpanLimits.DEFAULTS);
    OtlpJsonDecoder otlpJsonDecoder = new OtlpJsonDecoder(SpanLimits.DEFAULTS);
    ZipkinJsonDecoder zipkinDecoder = new ZipkinJsonDecoder(SpanLimits.DEFAULTS);
    ZipkinProto3Decoder zipkinProto3Decoder = new ZipkinProto3Decoder(SpanLimits.DEFAULTS);
    SpanDecoder nativeDecoder = new SpanDecoder(SpanLimits.DEFAULTS);
    check(otlpDecoder.decode(otlp, SPANS));
    check(otlpJsonDecoder.decode(otlpJson, SPANS));
    check(zipkinDecoder.decode(zipkin, SPANS));
    check(zipkinProto3Decoder.decode(zipkinProto3, SPANS));
    System.out.printf(Locale.ROOT, "body bytes for %d spans: otlp-protobuf %d, otlp-json %d, zipkin-json %d,"
        + " zipkin-proto3 %d, native %d%n", SPANS, otlp.length, otlpJson.length, zipkin.length, zipkinProto3.length,
        nativeJson.length);
    for (int round = 1; round <= 3; round++) {
      System.out.println("round " + round);
      measure("otlp protobuf", seconds, () -> otlpDecoder.decode(otlp, SPANS));
      measure("otlp json", seconds, () -> otlpJsonDecoder.decode(otlpJson, SPANS));
      measure("zipkin json", seconds, () -> zipkinDecoder.decode(zipkin, SPANS));
      measure("zipkin proto3", seconds, () -> zipkinProto3Decoder.decode(zipkinProto3, SPANS));
      measure("native json", seconds, () -> nativeDecoder.decodeRequest(nativeJson, SPANS));
    }
  }

  private static void check(ConversionResult r) {
    if (!(r instanceof ConversionResult.Converted c) || c.rejected() > 0 || c.spans().size() != SPANS) {
      throw new IllegalStateException("benchmark body not fully accepted: " + r);
    }
  }

  private static void measure(String name, double seconds, Supplier<Object> work) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long deadline = t0 + (long) (seconds * 1e9);
    long bodies = 0;
    Object sink = null;
    while (System.nanoTime() < deadline) {
      sink = work.get();
      bodies++;
    }
    double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
    double wall = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "  %-14s %,10.0f spans/CPU-s %,10.0f spans/s wall%s%n", name, bodies * SPANS / cpu,
        bodies * SPANS / wall, sink == null ? "?" : "");
  }

  private static String traceHex(int i) {
    return String.format(Locale.ROOT, "4bf92f3577b34da6a3ce929d0e0e%04x", i / 10);
  }

  private static String spanHex(int i) {
    return String.format(Locale.ROOT, "00f067aa0ba9%04x", i % 10 + 1);
  }

  private static KeyValue kv(String k, AnyValue v) {
    return KeyValue.newBuilder().setKey(k).setValue(v).build();
  }

  static ExportTraceServiceRequest otlpRequest() {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < SPANS; i++) {
      Span.Builder s = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(java.util.HexFormat.of().parseHex(traceHex(i))))
          .setSpanId(ByteString.copyFrom(java.util.HexFormat.of().parseHex(spanHex(i))))
          .setName("tool.call search_repository").setKind(Span.SpanKind.SPAN_KIND_CLIENT)
          .setStartTimeUnixNano(START).setEndTimeUnixNano(START + 333_333_000L)
          .addAttributes(kv("tool", AnyValue.newBuilder().setStringValue("search").build()))
          .addAttributes(kv("http.status_code", AnyValue.newBuilder().setIntValue(200).build()))
          .addAttributes(kv("latency_ratio", AnyValue.newBuilder().setDoubleValue(0.42).build()))
          .addAttributes(kv("query", AnyValue.newBuilder().setStringValue("span decoder").build()));
      if (i % 10 != 0) {
        s.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).put(java.util.HexFormat.of().parseHex(spanHex(0))).array()));
      }
      scope.addSpans(s);
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder()
            .addAttributes(kv("service.name", AnyValue.newBuilder().setStringValue("agent-runner").build()))
            .addAttributes(kv("tenant_id", AnyValue.newBuilder().setStringValue("tenant-0042").build())))
        .addScopeSpans(scope)).build();
  }

  static String otlpJson() {
    StringJoiner spans = new StringJoiner(",");
    for (int i = 0; i < SPANS; i++) {
      spans.add("{\"traceId\":\"" + traceHex(i) + "\",\"spanId\":\"" + spanHex(i) + "\""
          + (i % 10 != 0 ? ",\"parentSpanId\":\"" + spanHex(0) + "\"" : "")
          + ",\"name\":\"tool.call search_repository\",\"kind\":3,\"startTimeUnixNano\":\"" + START
          + "\",\"endTimeUnixNano\":\"" + (START + 333_333_000L) + "\",\"attributes\":["
          + "{\"key\":\"tool\",\"value\":{\"stringValue\":\"search\"}},"
          + "{\"key\":\"http.status_code\",\"value\":{\"intValue\":\"200\"}},"
          + "{\"key\":\"latency_ratio\",\"value\":{\"doubleValue\":0.42}},"
          + "{\"key\":\"query\",\"value\":{\"stringValue\":\"span decoder\"}}],\"status\":{}}");
    }
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":"
        + "\"agent-runner\"}},{\"key\":\"tenant_id\",\"value\":{\"stringValue\":\"tenant-0042\"}}]},"
        + "\"scopeSpans\":[{\"scope\":{},\"spans\":[" + spans + "]}]}]}";
  }

  static String zipkinJson() {
    StringJoiner spans = new StringJoiner(",", "[", "]");
    long micros = START / 1000;
    for (int i = 0; i < SPANS; i++) {
      spans.add("{\"traceId\":\"" + traceHex(i) + "\",\"id\":\"" + spanHex(i) + "\""
          + (i % 10 != 0 ? ",\"parentId\":\"" + spanHex(0) + "\"" : "")
          + ",\"kind\":\"CLIENT\",\"name\":\"tool.call search_repository\",\"timestamp\":" + micros
          + ",\"duration\":333333,\"localEndpoint\":{\"serviceName\":\"agent-runner\"},\"tags\":{\"tool\":\"search\","
          + "\"http.status_code\":\"200\",\"latency_ratio\":\"0.42\",\"query\":\"span decoder\",\"tenant_id\":\"tenant-0042\"}}");
    }
    return spans.toString();
  }

  /** The spans of {@link #zipkinJson} as a proto3 {@code zipkin2.ListOfSpans} (field numbers of zipkin.proto). */
  static byte[] zipkinProto3() {
    try {
      ByteArrayOutputStream list = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(list);
      long micros = START / 1000;
      for (int i = 0; i < SPANS; i++) {
        ByteArrayOutputStream span = new ByteArrayOutputStream();
        CodedOutputStream s = CodedOutputStream.newInstance(span);
        s.writeByteArray(1, java.util.HexFormat.of().parseHex(traceHex(i)));
        if (i % 10 != 0) {
          s.writeByteArray(2, java.util.HexFormat.of().parseHex(spanHex(0)));
        }
        s.writeByteArray(3, java.util.HexFormat.of().parseHex(spanHex(i)));
        s.writeEnum(4, 1); // CLIENT
        s.writeString(5, "tool.call search_repository");
        s.writeFixed64(6, micros);
        s.writeUInt64(7, 333333);
        ByteArrayOutputStream endpoint = new ByteArrayOutputStream();
        CodedOutputStream e = CodedOutputStream.newInstance(endpoint);
        e.writeString(1, "agent-runner");
        e.flush();
        s.writeByteArray(8, endpoint.toByteArray());
        String[] tags = {"tool", "search", "http.status_code", "200", "latency_ratio", "0.42", "query", "span decoder",
            "tenant_id", "tenant-0042"};
        for (int t = 0; t < tags.length; t += 2) {
          ByteArrayOutputStream entry = new ByteArrayOutputStream();
          CodedOutputStream kv = CodedOutputStream.newInstance(entry);
          kv.writeString(1, tags[t]);
          kv.writeString(2, tags[t + 1]);
          kv.flush();
          s.writeByteArray(11, entry.toByteArray());
        }
        s.flush();
        out.writeByteArray(1, span.toByteArray());
      }
      out.flush();
      return list.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String nativeJson() {
    StringJoiner spans = new StringJoiner(",", "[", "]");
    for (int i = 0; i < SPANS; i++) {
      spans.add("{\"id\":\"" + spanHex(i) + "\",\"trace_id\":\"" + traceHex(i) + "\""
          + (i % 10 != 0 ? ",\"parent_span_id\":\"" + spanHex(0) + "\"" : "")
          + ",\"span_name\":\"tool.call search_repository\",\"span_kind\":\"client\",\"status\":\"ok\","
          + "\"start_time\":\"2026-11-18T07:06:40.123456Z\",\"end_time\":\"2026-11-18T07:06:40.456789Z\","
          + "\"tenant_id\":\"tenant-0042\",\"attributes\":{\"service.name\":\"agent-runner\",\"tool\":\"search\","
          + "\"http.status_code\":200,\"latency_ratio\":0.42,\"query\":\"span decoder\"},\"events\":[]}");
    }
    return spans.toString();
  }
}
