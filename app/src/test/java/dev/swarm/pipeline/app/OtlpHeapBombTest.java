package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP protobuf is parsed into the generated messages, which hold up to 26 times the body's size in heap (a body
 * of empty attributes). Bodies like that, sent many at once to a pipeline with a 512 MiB heap, are refused with
 * 503 past the in-flight budget, which counts what decoding holds; the process stays up and serves honest clients.
 * Every sender reads its answer: a refused body is read to its end and dropped before the connection closes (closing
 * at once reset the connection under the client still sending, about one run in six).
 */
class OtlpHeapBombTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void manyBodiesThatParseIntoHugeTreesCannotExhaustTheHeap() throws Exception {
    int port = TestPipeline.freePort();
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), port);
    env.put("MAX_BODY_BYTES", Integer.toString(4 << 20));
    env.put("MAX_INFLIGHT_BYTES", Integer.toString(16 << 20));
    env.put("HTTP_INSTANCES", "2");
    Http http = new Http(port);
    byte[] bomb = emptyAttributes((4 << 20) - 1024);
    try (ChildPipeline child = new ChildPipeline(env, dir.resolve("child.log")).start()) {
      child.awaitReady(http);
      ExecutorService senders = Executors.newFixedThreadPool(8);
      try {
        for (int round = 0; round < 3; round++) {
          List<Future<Integer>> answers = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            answers.add(senders.submit(() -> http.post("/v1/traces", bomb, "application/x-protobuf").statusCode()));
          }
          for (Future<Integer> a : answers) {
            int status = a.get();
            assertTrue(Set.of(200, 503).contains(status), "answered " + status + "; log: " + child.logFile());
          }
        }
      } finally {
        senders.shutdownNow();
      }
      assertTrue(child.alive(), "the pipeline died; log: " + child.logFile());
      assertEquals(200, http.get("/health/ready").statusCode());
      HttpResponse<String> honest = http.post("/v1/traces", honestRequest(), "application/x-protobuf");
      assertEquals(200, honest.statusCode(), honest.body());
    }
  }

  /** One span whose attributes are {@code bytes}/2 empty key/values (two bytes each on the wire). */
  private static byte[] emptyAttributes(int bytes) throws IOException {
    byte[] head = span().toByteArray();
    int attributes = (bytes - head.length) / 2;
    int spanLength = head.length + 2 * attributes;
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 64);
    CodedOutputStream o = CodedOutputStream.newInstance(out);
    int scopeLength = 1 + CodedOutputStream.computeUInt32SizeNoTag(spanLength) + spanLength;
    int resourceLength = 1 + CodedOutputStream.computeUInt32SizeNoTag(scopeLength) + scopeLength;
    o.writeTag(1, 2); // ExportTraceServiceRequest.resource_spans
    o.writeUInt32NoTag(resourceLength);
    o.writeTag(2, 2); // ResourceSpans.scope_spans
    o.writeUInt32NoTag(scopeLength);
    o.writeTag(2, 2); // ScopeSpans.spans
    o.writeUInt32NoTag(spanLength);
    o.writeRawBytes(head);
    for (int i = 0; i < attributes; i++) {
      o.writeTag(9, 2); // Span.attributes: an empty KeyValue
      o.writeUInt32NoTag(0);
    }
    o.flush();
    return out.toByteArray();
  }

  private static Span span() {
    long now = System.currentTimeMillis() * 1_000_000L;
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex("4bf92f3577b34da6a3ce929d0e0e4736")))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex("00f067aa0ba902b7")))
        .setName("bomb").setStartTimeUnixNano(now).setEndTimeUnixNano(now + 1_000_000L).build();
  }

  private static byte[] honestRequest() {
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span().toBuilder().setName("honest")))).build().toByteArray();
  }
}
