package dev.swarm.pipeline.app.bench;

import dev.swarm.pipeline.schema.Timestamps;
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
  record Body(String json, String lastTraceId) {}

  Body nativeBody() {
    StringBuilder sb = new StringBuilder(batch * 420);
    sb.append('[');
    String traceId = null;
    long now = System.currentTimeMillis();
    for (int i = 0; i < batch; i++) {
      int inTrace = i % spansPerTrace;
      if (inTrace == 0) {
        traceId = hex16(runId) + hex16(traceCounter.incrementAndGet());
      }
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"id\":\"").append(SPAN_IDS[inTrace % SPAN_IDS.length]).append("\",\"trace_id\":\"").append(traceId).append('"');
      if (inTrace > 0) {
        sb.append(",\"parent_span_id\":\"").append(SPAN_IDS[0]).append('"');
      }
      String start = Timestamps.formatIso(now + inTrace);
      sb.append(",\"span_name\":\"").append(inTrace == 0 ? "http.request" : "llm.generate")
          .append("\",\"span_kind\":\"").append(inTrace == 0 ? "server" : "client")
          .append("\",\"status\":\"ok\",\"start_time\":\"").append(start)
          .append("\",\"end_time\":\"").append(Timestamps.formatIso(now + inTrace + 25)).append('"')
          .append(",\"tenant_id\":\"tenant-1\",\"ticket_id\":\"TCK-").append(traceCounter.get() % 100000)
          .append("\",\"agent_id\":\"agent-7\",\"attributes\":{\"method\":\"POST\",\"path\":\"/api/tickets/:id\",")
          .append("\"model\":\"claude-sonnet\",\"tokens\":1234,\"status_code\":200},")
          .append("\"events\":[{\"name\":\"retry\",\"time\":\"").append(start).append("\",\"attributes\":{\"attempt\":1}}]}");
    }
    return new Body(sb.append(']').toString(), traceId);
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
    return new Body(sb.append(']').toString(), traceId);
  }
}
