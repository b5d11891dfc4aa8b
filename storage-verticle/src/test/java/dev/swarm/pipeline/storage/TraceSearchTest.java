package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSearchTest {

  private static Map<String, List<String>> params(String... nameValue) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      out.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
    }
    return out;
  }

  private static List<String> badFields(Map<String, List<String>> params) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> TraceSearch.parse(params));
    return e.errors().stream().map(QueryParameterError::field).toList();
  }

  @Test
  void noParametersMeansTheNewestTwenty() {
    TraceSearch s = TraceSearch.parse(Map.of());
    assertEquals(TraceSearch.newest(20), s);
  }

  @Test
  void readsEveryFilter() {
    String cursor = new TraceCursor("2026-11-27T23:24:23.123Z", "t9").encode();
    TraceSearch s = TraceSearch.parse(params("tenant_id", "tenant-1", "ticket_id", "TCK-1", "agent_id", "agent-1",
        "span_name", "llm.chat", "status", "error", "min_duration_ms", "250", "from", "2026-11-27T00:00:00Z",
        "to", "2026-11-28T01:00:00+01:00", "complete", "false", "limit", "1000", "cursor", cursor));
    assertEquals("tenant-1", s.tenantId());
    assertEquals("TCK-1", s.ticketId());
    assertEquals("agent-1", s.agentId());
    assertEquals("llm.chat", s.spanName());
    assertEquals("error", s.status());
    assertEquals(250L, s.minDurationMs());
    assertEquals("2026-11-27T00:00:00.000Z", s.fromTime()); // normalised to the stored form
    assertEquals("2026-11-28T00:00:00.000Z", s.toTime());
    assertEquals(Boolean.FALSE, s.complete());
    assertEquals(1000, s.limit());
    assertEquals(new TraceCursor("2026-11-27T23:24:23.123Z", "t9"), s.cursor());
  }

  @Test
  void namesEveryBadParameter() {
    assertEquals(List.of("limit"), badFields(params("limit", "0")));
    assertEquals(List.of("limit"), badFields(params("limit", "1001")));
    assertEquals(List.of("limit"), badFields(params("limit", "ten")));
    assertEquals(List.of("min_duration_ms"), badFields(params("min_duration_ms", "-1")));
    assertEquals(List.of("status"), badFields(params("status", "unset")));
    assertEquals(List.of("complete"), badFields(params("complete", "yes")));
    assertEquals(List.of("from"), badFields(params("from", "2026-11-27T00:00:00"))); // no offset
    assertEquals(List.of("to"), badFields(params("from", "2026-11-28T00:00:00Z", "to", "2026-11-27T00:00:00Z")));
    assertEquals(List.of("cursor"), badFields(params("cursor", "!!!")));
    assertEquals(List.of("cursor"), badFields(params("cursor", "dGVzdA")));
    assertEquals(List.of("tenant_id"), badFields(params("tenant_id", "")));
    assertEquals(List.of("tenant_id"), badFields(params("tenant_id", "x".repeat(513))));
    assertEquals(List.of("color"), badFields(params("color", "red")));
    assertEquals(List.of("max_duration_ms"), badFields(params("min_duration_ms", "10", "max_duration_ms", "9")));
    assertEquals(List.of("attr"), badFields(params("attr", "no-equals-sign")));
    assertEquals(List.of("attr"), badFields(params("attr", "=value")));
    assertEquals(List.of("attr"), badFields(params("attr", "bad\"key=1")));
    assertEquals(List.of("attr"), badFields(params("attr", "k=" + "x".repeat(513))));
    assertEquals(List.of("service"), badFields(params("service", "")));
    List<String> several = badFields(params("limit", "a", "status", "b", "tenant_id", "x", "tenant_id", "y"));
    assertTrue(several.containsAll(List.of("limit", "status", "tenant_id")), several.toString());
  }

  @Test
  void readsServiceAttributesAndMaxDuration() {
    TraceSearch s = TraceSearch.parse(Map.of("service", List.of("Ticket-API"), "attr",
        List.of("model=claude-opus", "pr_url=https://example.com/a=b"), "max_duration_ms", List.of("900")));
    assertEquals("ticket-api", s.service());
    assertEquals(List.of(new TraceSearch.Attribute("model", "claude-opus"),
        new TraceSearch.Attribute("pr_url", "https://example.com/a=b")), s.attributes());
    assertEquals(900L, s.maxDurationMs());
    assertTrue(s.probesSpans());
    List<String> nine = new java.util.ArrayList<>();
    for (int i = 0; i < 9; i++) {
      nine.add("k" + i + "=v");
    }
    assertEquals(List.of("attr"), badFields(Map.of("attr", nine)));
  }

  @Test
  void cursorsRoundTrip() {
    TraceCursor c = new TraceCursor("2026-11-27T23:24:23.123Z", "trace/with?odd&chars");
    String text = c.encode();
    assertTrue(text.matches("[A-Za-z0-9_-]+"), text);
    assertEquals(c, TraceCursor.decode(text));
    assertNull(TraceSearch.parse(Map.of()).cursor());
  }
}
