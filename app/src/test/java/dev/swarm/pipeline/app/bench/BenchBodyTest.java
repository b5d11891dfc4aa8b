package dev.swarm.pipeline.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.ingest.otlp.OtlpProtobufDecoder;
import dev.swarm.pipeline.schema.DecodeResult;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanDecoder;
import dev.swarm.pipeline.schema.SpanLimits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmarks' bodies are valid requests of B spans with fresh trace ids each time. */
class BenchBodyTest {
  @Test
  void everyBodyHoldsTheBatchWithFreshTraceIds() {
    SpanBatchGenerator generator = new SpanBatchGenerator(25, 10);
    OtlpProtobufDecoder decoder = new OtlpProtobufDecoder(SpanLimits.DEFAULTS);
    ConversionResult.Converted first = (ConversionResult.Converted) decoder.decode(generator.otlpBody(), 1000);
    ConversionResult.Converted second = (ConversionResult.Converted) decoder.decode(generator.otlpBody(), 1000);
    assertEquals(25, first.spans().size());
    assertEquals(0, first.rejected());
    List<String> traces = first.spans().stream().map(Span::traceId).distinct().toList();
    assertEquals(3, traces.size());
    assertEquals("swarm-api", first.spans().get(0).attributesJson().substring(17, 26));
    assertEquals("tenant-1", first.spans().get(0).tenantId());
    assertNotEquals(traces, second.spans().stream().map(Span::traceId).distinct().toList());
  }

  @Test
  void nativeBodiesAreValidWithFreshTraceIdsAndTickets() {
    SpanBatchGenerator generator = new SpanBatchGenerator(25, 10);
    SpanDecoder decoder = new SpanDecoder(SpanLimits.DEFAULTS);
    SpanBatchGenerator.Body first = generator.nativeBody();
    SpanBatchGenerator.Body second = generator.nativeBody();
    List<Span> a = ((DecodeResult.Accepted) decoder.decodeRequest(first.json(), 1000)).spans();
    List<Span> b = ((DecodeResult.Accepted) decoder.decodeRequest(second.json(), 1000)).spans();
    assertEquals(25, a.size());
    List<String> traces = a.stream().map(Span::traceId).distinct().toList();
    assertEquals(3, traces.size());
    assertEquals(first.lastTraceId(), traces.get(2));
    assertEquals(10, a.stream().filter(s -> s.traceId().equals(traces.get(0))).count());
    assertEquals(1, a.stream().filter(s -> s.traceId().equals(traces.get(0)) && s.parentSpanId() == null).count());
    assertNotEquals(a.get(0).ticketId(), a.get(10).ticketId());
    List<String> next = b.stream().map(Span::traceId).distinct().toList();
    assertEquals(3, next.size());
    assertTrue(next.stream().noneMatch(traces::contains));
  }
}
