package dev.swarm.pipeline.schema;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Benchmark, not a test: single-thread decode throughput of typical spans (~400 bytes, 4 attributes, ids like
 * real ones) in request bodies of 100 spans. Also times SpanScanner and readArray on the written record.
 *
 * <p>Run: {@code mvn -q -pl schemas test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt} then
 * {@code java -cp schemas/target/classes:schemas/target/test-classes:$(cat schemas/target/cp.txt)
 * dev.swarm.pipeline.schema.SpanDecoderThroughput [seconds]}.
 */
public final class SpanDecoderThroughput {

  private SpanDecoderThroughput() {}

  static String typicalSpan(int i) {
    String traceId = String.format(Locale.ROOT, "4bf92f3577b34da6a3ce929d0e0e%04x", i % 65536);
    String spanId = String.format(Locale.ROOT, "00f067aa0ba9%04x", i % 65536);
    return "{\"id\":\"" + spanId + "\",\"trace_id\":\"" + traceId + "\",\"parent_span_id\":\"00f067aa0ba902b7\","
        + "\"span_name\":\"tool.call search_repository\",\"span_kind\":\"client\",\"status\":\"ok\","
        + "\"start_time\":\"2026-11-27T23:24:23.123456Z\",\"end_time\":\"2026-11-27T23:24:23.456789Z\","
        + "\"tenant_id\":\"tenant-0042\",\"ticket_id\":\"TICKET-1234\",\"agent_id\":\"agent-7\","
        + "\"attributes\":{\"tool\":\"search\",\"http.status_code\":200,\"latency_ratio\":0.42,\"query\":\"span decoder\"},"
        + "\"events\":[]}";
  }

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    int perBody = 100;
    StringJoiner body = new StringJoiner(",", "[", "]");
    for (int i = 0; i < perBody; i++) {
      body.add(typicalSpan(i));
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    SpanDecoder decoder = new SpanDecoder(SpanLimits.DEFAULTS);
    DecodeResult check = decoder.decodeRequest(bytes, perBody);
    if (!(check instanceof DecodeResult.Accepted accepted)) {
      throw new IllegalStateException("benchmark body invalid: " + check);
    }
    byte[] record = SpanWriter.writeArray(accepted.spans());
    byte[] spanLengths = SpanWriter.writeIndexed(accepted.spans()).spanLengths();
    byte[] single = typicalSpan(7).getBytes(StandardCharsets.UTF_8);
    // The same span with two events, to show what events cost.
    String events =
        "\"events\":[{\"name\":\"retry\",\"time\":\"2026-11-27T23:24:23.200Z\",\"attributes\":{\"attempt\":1}},"
            + "{\"name\":\"cache.miss\",\"time\":\"2026-11-27T23:24:23.300+00:00\"}]";
    byte[] singleWithEvents = typicalSpan(7).replace("\"events\":[]", events).getBytes(StandardCharsets.UTF_8);
    System.out.printf(Locale.ROOT, "span ~%d bytes, body %d bytes (%d spans)%n", bytes.length / perBody, bytes.length, perBody);

    // Three rounds: the first ones also pay for JIT compilation, which competes for CPU on a busy machine.
    for (int round = 1; round <= 3; round++) {
      System.out.println("round " + round);
      measure("decodeRequest", seconds, perBody, bytes.length, () -> decoder.decodeRequest(bytes, perBody));
      measure("decodeRequest (1 span)", seconds, 1, single.length, () -> decoder.decodeRequest(single, 1));
      measure("decodeRequest (1 span, 2 events)", seconds, 1, singleWithEvents.length,
          () -> decoder.decodeRequest(singleWithEvents, 1));
      measure("readArray (record)", seconds, perBody, record.length, () -> decoder.readArray(record));
      measure("SpanScanner.scan", seconds, perBody, record.length, () -> SpanScanner.scan(record, (id, p, o, l) -> {}));
      measure("SpanScanner.scan (span lengths)", seconds, perBody, record.length,
          () -> SpanScanner.scan(record, spanLengths, (id, p, o, l) -> {}));
      measure("SpanWriter.writeArray", seconds, perBody, record.length, () -> SpanWriter.writeArray(accepted.spans()));
    }
  }

  private static volatile Object sink;

  private static void measure(String name, double seconds, int spansPerCall, int bytesPerCall, java.util.function.Supplier<?> call) {
    run(call, (long) (seconds * 0.4e9)); // warm-up
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = System.nanoTime();
    long cpuStart = threads.getCurrentThreadCpuTime();
    long calls = run(call, (long) (seconds * 1e9));
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    // CPU time is what to compare when other processes share the machine; wall time is what a user sees.
    System.out.printf(
        Locale.ROOT,
        "%-34s %,12.0f spans/s per CPU-second  %,12.0f spans/s wall  %7.1f MB/s per CPU-second%n",
        name,
        calls * spansPerCall / cpu,
        calls * spansPerCall / elapsed,
        calls * (double) bytesPerCall / cpu / 1e6);
  }

  private static void measure(String name, double seconds, int spansPerCall, int bytesPerCall, Runnable call) {
    measure(name, seconds, spansPerCall, bytesPerCall, () -> {
      call.run();
      return null;
    });
  }

  private static long run(java.util.function.Supplier<?> call, long nanos) {
    long end = System.nanoTime() + nanos;
    long calls = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 10; i++) {
        sink = call.get();
      }
      calls += 10;
    }
    return calls;
  }
}
