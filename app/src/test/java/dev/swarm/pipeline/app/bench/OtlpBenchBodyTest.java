package dev.swarm.pipeline.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.swarm.pipeline.ingest.ConversionResult;
import dev.swarm.pipeline.ingest.otlp.OtlpProtobufDecoder;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanLimits;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's OTLP bodies are valid requests of B spans with fresh trace ids each time. */
class OtlpBenchBodyTest {
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
}
