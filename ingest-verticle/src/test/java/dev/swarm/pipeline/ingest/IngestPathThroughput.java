package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.ingest.swarm.SwarmMetricsConfig;
import dev.swarm.pipeline.ingest.swarm.SwarmSpanMetrics;
import dev.swarm.pipeline.schema.DecodeResult;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.schema.SpanWriter;
import dev.swarm.pipeline.schema.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Benchmark, not a test: the CPU an event loop spends per span of trace-bench's native body (100 spans, 10 per
 * trace, an http.request root and llm.generate children), stage by stage: decode, Swarm metrics, the
 * {@code swarm.spans} record value. Single thread, in nanoseconds per span.
 *
 * <p>Run: {@code mvn -q -pl ingest-verticle test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp ingest-verticle/target/classes:ingest-verticle/target/test-classes:$(cat
 * ingest-verticle/target/cp.txt) dev.swarm.pipeline.ingest.IngestPathThroughput [seconds]}.
 */
public final class IngestPathThroughput {
  private static final int SPANS = 100;

  private IngestPathThroughput() {}

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    byte[] body = benchBody(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII);
    SpanDecoder decoder = new SpanDecoder(SpanLimits.DEFAULTS);
    SwarmSpanMetrics metrics = new SwarmSpanMetrics(new SimpleMeterRegistry(), SwarmMetricsConfig.defaults());
    List<Span> spans = ((DecodeResult.Accepted) decoder.decodeRequest(body, SPANS)).spans();
    System.out.printf(Locale.ROOT, "body: %d spans, %d bytes%n", spans.size(), body.length);
    for (int round = 1; round <= 3; round++) {
      System.out.println("round " + round);
      measure("decode", seconds, () -> decoder.decodeRequest(body, SPANS));
      measure("metrics", seconds, () -> {
        metrics.record(spans);
        return metrics;
      });
      measure("write", seconds, () -> SpanWriter.writeIndexed(spans));
    }
  }

  private static void measure(String name, double seconds, Supplier<Object> work) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long bodies = 0;
    Object sink = null;
    while (System.nanoTime() < deadline) {
      sink = work.get();
      bodies++;
    }
    double cpuNanos = threads.getCurrentThreadCpuTime() - cpu0;
    System.out.printf(Locale.ROOT, "  %-8s %7.0f ns/span%s%n", name, cpuNanos / (bodies * SPANS), sink == null ? "?" : "");
  }

  /** trace-bench's native body (SpanBatchGenerator.nativeBody in app), batch 100, 10 spans a trace. */
  static String benchBody(long now) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < SPANS; i++) {
      int inTrace = i % 10;
      if (i > 0) {
        sb.append(',');
      }
      String traceId = String.format(Locale.ROOT, "%016x%016x", now, i / 10 + 1);
      String start = Timestamps.formatIso(now + inTrace);
      sb.append("{\"id\":\"").append(String.format(Locale.ROOT, "%016x", inTrace + 1)).append("\",\"trace_id\":\"")
          .append(traceId).append('"');
      if (inTrace > 0) {
        sb.append(",\"parent_span_id\":\"0000000000000001\"");
      }
      sb.append(",\"span_name\":\"").append(inTrace == 0 ? "http.request" : "llm.generate")
          .append("\",\"span_kind\":\"").append(inTrace == 0 ? "server" : "client")
          .append("\",\"status\":\"ok\",\"start_time\":\"").append(start)
          .append("\",\"end_time\":\"").append(Timestamps.formatIso(now + inTrace + 25)).append('"')
          .append(",\"tenant_id\":\"tenant-1\",\"ticket_id\":\"TCK-").append(String.format(Locale.ROOT, "%05d", i))
          .append("\",\"agent_id\":\"agent-7\",\"attributes\":{\"method\":\"POST\",\"path\":\"/api/tickets/:id\",")
          .append("\"model\":\"claude-sonnet\",\"tokens\":1234,\"status_code\":200},")
          .append("\"events\":[{\"name\":\"retry\",\"time\":\"").append(start).append("\",\"attributes\":{\"attempt\":1}}]}");
    }
    return sb.append(']').toString();
  }
}
