package dev.swarm.pipeline.aggregator;

import static dev.swarm.pipeline.aggregator.Spans.spans;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssembledTraceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long T0 = 1_795_821_863_123L; // 2026-11-27T23:24:23.123Z

  private static AssembledTrace assemble(String traceId, String... spans) {
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(100, 1_000, 1_000, 100, 100));
    a.add(traceId, spans(traceId, spans), 0, 0, T0);
    List<AssembledTrace> out = a.sweep(T0 + 1_000);
    assertEquals(1, out.size());
    return out.get(0);
  }

  @Test
  void jsonHasTheDocumentedFieldsInOrder() throws Exception {
    AssembledTrace trace = assemble("trace-1", "r", "a:r", "b:a");
    JsonNode root = JSON.readTree(trace.toJson());
    List<String> names = new ArrayList<>();
    root.fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("trace_id", "verdict", "complete", "span_count", "root_count", "orphan_count",
        "cycle_count", "duplicate_count", "first_seen", "emitted_at", "spans"), names);
    assertEquals("trace-1", root.get("trace_id").asText());
    assertEquals("complete", root.get("verdict").asText());
    assertTrue(root.get("complete").isBoolean());
    assertTrue(root.get("complete").asBoolean());
    assertEquals(3, root.get("span_count").asInt());
    assertEquals(1, root.get("root_count").asInt());
    assertEquals(0, root.get("orphan_count").asInt());
    assertEquals(0, root.get("cycle_count").asInt());
    assertEquals(0, root.get("duplicate_count").asInt());
    assertEquals("2026-11-27T23:24:23.123Z", root.get("first_seen").asText());
    assertEquals("2026-11-27T23:24:24.123Z", root.get("emitted_at").asText());
  }

  @Test
  void spansAreTheBufferedObjectsUnchanged() throws Exception {
    AssembledTrace trace = assemble("t", "r", "a:r");
    JsonNode spans = JSON.readTree(trace.toJson()).get("spans");
    assertTrue(spans.isArray());
    assertEquals(2, spans.size());
    for (int i = 0; i < 2; i++) {
      assertEquals(JSON.readTree(trace.spans().get(i).json()), spans.get(i));
    }
    assertEquals("a", spans.get(1).get("id").asText());
    assertEquals("r", spans.get(1).get("parent_span_id").asText());
    String text = new String(trace.toJson(), StandardCharsets.UTF_8);
    assertTrue(text.endsWith(new String(trace.spans().get(1).json(), StandardCharsets.UTF_8) + "]}"),
        "raw bytes are concatenated: " + text);
  }

  @Test
  void incompleteVerdictAndCountsAreWritten() throws Exception {
    AssembledTrace trace = assemble("t", "r1", "r2", "o:gone", "s:s");
    JsonNode root = JSON.readTree(trace.toJson());
    assertEquals("incomplete", root.get("verdict").asText());
    assertTrue(root.get("complete").isBoolean());
    assertFalse(root.get("complete").asBoolean());
    assertEquals(4, root.get("span_count").asInt());
    assertEquals(2, root.get("root_count").asInt());
    assertEquals(1, root.get("orphan_count").asInt());
    assertEquals(1, root.get("cycle_count").asInt());
  }

  @Test
  void traceIdIsEscaped() throws Exception {
    String odd = "q\"uo\\te\n\u0001é";
    TraceAssembler a = new TraceAssembler(new AssemblerConfig(100, 1_000, 1_000, 100, 100));
    a.add(odd, spans("plain", "r"), 0, 0, T0); // span bodies are not inspected
    AssembledTrace trace = a.sweep(T0 + 100).get(0);
    assertEquals(odd, JSON.readTree(trace.toJson()).get("trace_id").asText());
  }
}
