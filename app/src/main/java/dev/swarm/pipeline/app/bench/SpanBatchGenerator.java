package dev.swarm.pipeline.app.bench;

import com.google.protobuf.ByteString;
import dev.swarm.pipeline.schema.Timestamps;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request bodies for the benchmarks: {@code batch} spans per body, grouped into traces of {@code spansPerTrace}
 * (a root and its children), with fresh trace ids every time. Cheap to build, so the load generator leaves the
 * CPU to the pipeline.
 */
final class SpanBatchGenerator {
  private final int batch;
  private final int spansPerTrace;
  private final AtomicLong traceCounter = new AtomicLong(System.nanoTime() & 0xffffffffL);
  private final long runId = System.currentTimeMillis();

  SpanBatchGenerator(int batch, int spansPerTrace) {
    this.batch = batch;
    this.spansPerTrace = spansPerTrace;
  }

  /** A request body and the id of the last (complete) trace in it, which a benchmark may poll for. */
  record Body(byte[] json, String lastTraceId) {}

  /**
   * A native JSON body. The text is built once a second (so times stay current); each call copies it and writes
   * fresh trace ids and ticket numbers into their fixed slots, so building a body costs a copy and leaves the CPU
   * to the pipeline under test.
   */
  Body nativeBody() {
    long now = System.currentTimeMillis();
    NativeTemplate t = nativeTemplate;
    if (t == null || now - t.builtAtMs >= 1000) {
      t = nativeTemplate = NativeTemplate.build(batch, spansPerTrace, now);
    }
    byte[] body = t.bytes.clone();
    String traceId = null;
    for (int trace = 0; trace < t.traceIdOffsets.length; trace++) {
      long n = traceCounter.incrementAndGet();
      traceId = hex16(runId) + hex16(n);
      byte[] id = traceId.getBytes(StandardCharsets.US_ASCII);
      for (int offset : t.traceIdOffsets[trace]) {
        System.arraycopy(id, 0, body, offset, id.length);
      }
      long ticket = n % 100000;
      for (int offset : t.ticketOffsets[trace]) {
        for (int d = 4, v = (int) ticket; d >= 0; d--, v /= 10) {
          body[offset + d] = (byte) ('0' + v % 10);
        }
      }
    }
    return new Body(body, traceId);
  }

  private volatile NativeTemplate nativeTemplate;

  /** The native body's bytes and, per trace, where its trace id (32 chars) and ticket number (5 digits) go. */
  private record NativeTemplate(long builtAtMs, byte[] bytes, int[][] traceIdOffsets, int[][] ticketOffsets) {

    static NativeTemplate build(int batch, int spansPerTrace, long now) {
      StringBuilder sb = new StringBuilder(batch * 420);
      int traces = (batch + spansPerTrace - 1) / spansPerTrace;
      List<List<Integer>> idAt = new ArrayList<>();
      List<List<Integer>> ticketAt = new ArrayList<>();
      sb.append('[');
      for (int i = 0; i < batch; i++) {
        int inTrace = i % spansPerTrace;
        if (inTrace == 0) {
          idAt.add(new ArrayList<>());
          ticketAt.add(new ArrayList<>());
        }
        if (i > 0) {
          sb.append(',');
        }
        sb.append("{\"id\":\"").append(SPAN_IDS[inTrace % SPAN_IDS.length]).append("\",\"trace_id\":\"");
        idAt.get(idAt.size() - 1).add(sb.length()); // ASCII only: char offsets are byte offsets
        sb.append("0".repeat(32)).append('"');
        if (inTrace > 0) {
          sb.append(",\"parent_span_id\":\"").append(SPAN_IDS[0]).append('"');
        }
        String start = Timestamps.formatIso(now + inTrace);
        sb.append(",\"span_name\":\"").append(inTrace == 0 ? "http.request" : "llm.generate")
            .append("\",\"span_kind\":\"").append(inTrace == 0 ? "server" : "client")
            .append("\",\"status\":\"ok\",\"start_time\":\"").append(start)
            .append("\",\"end_time\":\"").append(Timestamps.formatIso(now + inTrace + 25)).append('"')
            .append(",\"tenant_id\":\"tenant-1\",\"ticket_id\":\"TCK-");
        ticketAt.get(ticketAt.size() - 1).add(sb.length());
        sb.append("00000\",\"agent_id\":\"agent-7\",\"attributes\":{\"method\":\"POST\",\"path\":\"/api/tickets/:id\",")
            .append("\"model\":\"claude-sonnet\",\"tokens\":1234,\"status_code\":200},")
            .append("\"events\":[{\"name\":\"retry\",\"time\":\"").append(start).append("\",\"attributes\":{\"attempt\":1}}]}");
      }
      sb.append(']');
      int[][] ids = new int[traces][];
      int[][] tickets = new int[traces][];
      for (int trace = 0; trace < traces; trace++) {
        ids[trace] = idAt.get(trace).stream().mapToInt(Integer::intValue).toArray();
        tickets[trace] = ticketAt.get(trace).stream().mapToInt(Integer::intValue).toArray();
      }
      return new NativeTemplate(now, sb.toString().getBytes(StandardCharsets.US_ASCII), ids, tickets);
    }
  }

  private static final String[] SPAN_IDS = new String[1024];

  static {
    for (int i = 0; i < SPAN_IDS.length; i++) {
      SPAN_IDS[i] = hex16(i + 1);
    }
  }

  private static String hex16(long v) {
    String h = Long.toHexString(v);
    return "0000000000000000".substring(h.length()) + h;
  }

  Body zipkinBody() {
    StringBuilder sb = new StringBuilder(batch * 420);
    sb.append('[');
    String traceId = null;
    long nowMicros = System.currentTimeMillis() * 1000;
    for (int i = 0; i < batch; i++) {
      int inTrace = i % spansPerTrace;
      if (inTrace == 0) {
        traceId = hex16(runId) + hex16(traceCounter.incrementAndGet());
      }
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"traceId\":\"").append(traceId).append("\",\"id\":\"").append(SPAN_IDS[inTrace % SPAN_IDS.length]).append('"');
      if (inTrace > 0) {
        sb.append(",\"parentId\":\"").append(SPAN_IDS[0]).append('"');
      }
      sb.append(",\"name\":\"").append(inTrace == 0 ? "http.request" : "llm.generate")
          .append("\",\"kind\":\"").append(inTrace == 0 ? "SERVER" : "CLIENT")
          .append("\",\"timestamp\":").append(nowMicros + inTrace * 1000L).append(",\"duration\":25000")
          .append(",\"localEndpoint\":{\"serviceName\":\"swarm-api\"}")
          .append(",\"tags\":{\"method\":\"POST\",\"path\":\"/api/tickets/:id\",\"model\":\"claude-sonnet\",\"tokens\":\"1234\",\"tenant_id\":\"tenant-1\"}")
          .append(",\"annotations\":[{\"timestamp\":").append(nowMicros).append(",\"value\":\"retry\"}]}");
    }
    return new Body(sb.append(']').toString().getBytes(StandardCharsets.UTF_8), traceId);
  }

  /**
   * An OTLP/HTTP protobuf {@code ExportTraceServiceRequest} with the same spans as {@link #nativeBody()} (service
   * name and tenant on the resource, the rest as span attributes). The message is encoded once; each call copies
   * it and writes fresh trace ids into their fixed 16-byte slots, so building a body costs a copy.
   */
  byte[] otlpBody() {
    OtlpTemplate t = otlpTemplate;
    if (t == null) {
      t = otlpTemplate = OtlpTemplate.build(batch, spansPerTrace);
    }
    byte[] body = t.bytes.clone();
    ByteBuffer out = ByteBuffer.wrap(body);
    for (int trace = 0; trace < t.traceIdOffsets.size(); trace++) {
      long id = traceCounter.incrementAndGet();
      for (int offset : t.traceIdOffsets.get(trace)) {
        out.putLong(offset, runId);
        out.putLong(offset + 8, id);
      }
    }
    return body;
  }

  private volatile OtlpTemplate otlpTemplate;

  /** An encoded request and, per trace, where its trace id bytes are. */
  private record OtlpTemplate(byte[] bytes, List<List<Integer>> traceIdOffsets) {

    static OtlpTemplate build(int batch, int spansPerTrace) {
      long startNanos = System.currentTimeMillis() * 1_000_000L;
      ScopeSpans.Builder scope = ScopeSpans.newBuilder();
      int traces = (batch + spansPerTrace - 1) / spansPerTrace;
      for (int i = 0; i < batch; i++) {
        int inTrace = i % spansPerTrace;
        Span.Builder span = Span.newBuilder()
            .setTraceId(ByteString.copyFrom(marker(i / spansPerTrace)))
            .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(inTrace + 1).array()))
            .setName(inTrace == 0 ? "http.request" : "llm.generate")
            .setKind(inTrace == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(startNanos + inTrace * 1_000_000L)
            .setEndTimeUnixNano(startNanos + (inTrace + 25) * 1_000_000L)
            .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK))
            .addAttributes(string("method", "POST")).addAttributes(string("path", "/api/tickets/:id"))
            .addAttributes(string("model", "claude-sonnet"))
            .addAttributes(KeyValue.newBuilder().setKey("tokens").setValue(AnyValue.newBuilder().setIntValue(1234)))
            .addAttributes(KeyValue.newBuilder().setKey("status_code").setValue(AnyValue.newBuilder().setIntValue(200)))
            .addAttributes(string("ticket_id", "TCK-" + i)).addAttributes(string("agent_id", "agent-7"))
            .addEvents(Span.Event.newBuilder().setName("retry").setTimeUnixNano(startNanos)
                .addAttributes(KeyValue.newBuilder().setKey("attempt").setValue(AnyValue.newBuilder().setIntValue(1))));
        if (inTrace > 0) {
          span.setParentSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array()));
        }
        scope.addSpans(span);
      }
      byte[] bytes = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
              .setResource(Resource.newBuilder().addAttributes(string("service.name", "swarm-api"))
                  .addAttributes(string("tenant_id", "tenant-1")))
              .addScopeSpans(scope))
          .build().toByteArray();
      List<List<Integer>> offsets = new ArrayList<>();
      for (int trace = 0; trace < traces; trace++) {
        byte[] marker = marker(trace);
        List<Integer> found = new ArrayList<>();
        for (int at = 0; at + 16 <= bytes.length; at++) {
          if (java.util.Arrays.equals(bytes, at, at + 16, marker, 0, 16)) {
            found.add(at);
          }
        }
        offsets.add(found);
      }
      return new OtlpTemplate(bytes, offsets);
    }

    /** A 16-byte placeholder trace id no other bytes of the message can match by chance. */
    private static byte[] marker(int trace) {
      return ByteBuffer.allocate(16).putLong(0x7e57_7e57_7e57_7e57L).putLong(0x5eed_0000_0000_0000L | trace).array();
    }

    private static KeyValue string(String key, String value) {
      return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }
  }
}
