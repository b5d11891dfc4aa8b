package dev.swarm.pipeline.aggregator;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: estimates heap per buffered span. Buffers N spans (~400-byte JSON, 16-hex span ids, 32-hex trace ids,
 * 10 spans per trace, arriving as records read by {@link SpanRecordReader}) and compares used heap after GC.
 *
 * <p>Run: {@code java -Xmx2g -cp <test-classes:classes:deps> dev.swarm.pipeline.aggregator.BufferedSpanHeapEstimate
 * [spans]}
 */
public final class BufferedSpanHeapEstimate {
  private BufferedSpanHeapEstimate() {}

  public static void main(String[] args) throws Exception {
    int spans = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
    int perTrace = 10;
    TraceAssembler assembler = new TraceAssembler(new AssemblerConfig(60_000, 600_000, spans + 1, 10_000, 100_000));
    String padding = "x".repeat(29); // brings the span to ~400 bytes
    long before = usedAfterGc();
    long jsonBytes = 0;
    long offset = 0;
    for (int t = 0; t < spans / perTrace; t++) {
      String traceId = String.format(Locale.ROOT, "%032x", 0x5eed_0000_0000L + t);
      StringBuilder record = new StringBuilder("[");
      for (int s = 0; s < perTrace; s++) {
        String id = String.format(Locale.ROOT, "%016x", (long) t * perTrace + s);
        String parent = s == 0 ? null : String.format(Locale.ROOT, "%016x", (long) t * perTrace + (s - 1) / 2);
        if (s > 0) {
          record.append(',');
        }
        record.append("{\"id\":\"").append(id).append("\",\"trace_id\":\"").append(traceId).append('"');
        if (parent != null) {
          record.append(",\"parent_span_id\":\"").append(parent).append('"');
        }
        record.append(",\"span_name\":\"GET /api/tickets/{id}\",\"span_kind\":\"server\",\"status\":\"ok\"")
            .append(",\"start_time\":\"2026-11-27T23:24:23.123Z\",\"end_time\":\"2026-11-27T23:24:23.200Z\"")
            .append(",\"duration_ms\":77,\"tenant_id\":\"tenant-42\",\"ticket_id\":\"T-1001\",\"agent_id\":\"agent-7\"")
            .append(",\"attributes\":{\"pad\":\"").append(padding).append("\"},\"events\":[]}");
      }
      record.append(']');
      byte[] value = record.toString().getBytes(StandardCharsets.UTF_8);
      List<BufferedSpan> read = SpanRecordReader.read(value);
      for (BufferedSpan span : read) {
        jsonBytes += span.json().length;
      }
      assembler.add(traceId, read, 0, offset++, 0);
    }
    long after = usedAfterGc();
    long buffered = assembler.bufferedSpans();
    System.out.printf(Locale.ROOT, "buffered spans: %d in %d traces%n", buffered, assembler.bufferedTraces());
    System.out.printf(Locale.ROOT, "average span JSON: %.0f bytes%n", (double) jsonBytes / buffered);
    System.out.printf(Locale.ROOT, "heap used by the buffer: %.1f MiB = %.0f bytes per span%n",
        (after - before) / 1048576.0, (double) (after - before) / buffered);
    Reference.reachabilityFence(assembler); // keep the buffer alive until measured
  }

  private static long usedAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
