package dev.swarm.pipeline.ingest.otlp;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;

/**
 * Heap held by the generated messages {@link OtlpJsonDecoder} builds, as a multiple of the body, for the bodies that
 * cost the most heap per byte (a main, not a test; OtlpRoutes.HEAP_PER_BODY_BYTE cites it). Run with -Xmx2g.
 */
public final class OtlpJsonHeapMeasure {
  public static void main(String[] a) throws Exception {
    int size = 4 << 20;
    String head = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
        + "\"spanId\":\"00f067aa0ba902b7\",\"name\":\"bomb\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\",";
    String[][] shapes = {{"attributes", "{},"}, {"attributes", "{\"key\":\"\"},"}, {"events", "{},"},
        {"attributes", "{\"value\":{\"arrayValue\":{}}},"}};
    for (String[] shape : shapes) {
      StringBuilder sb = new StringBuilder(size + 100).append(head).append('"').append(shape[0]).append("\":[");
      while (sb.length() < size - 20) sb.append(shape[1]);
      sb.setLength(sb.length() - 1);
      sb.append("]}]}]}]}");
      byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
      long before = used();
      ExportTraceServiceRequest r = OtlpJsonDecoder.read(body, 1_000_000);
      long after = used();
      System.out.printf("%-45s body %,d bytes, heap held %,d bytes: %.1f× the body%n", shape[0] + " " + shape[1],
          body.length, after - before, (after - before) / (double) body.length);
      if (r.getResourceSpansCount() < 0) System.out.println();
    }
  }

  static long used() {
    for (int i = 0; i < 3; i++) System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
