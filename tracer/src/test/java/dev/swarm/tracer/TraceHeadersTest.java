package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceHeadersTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String OTHER_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String SPAN = "00f067aa0ba902b7";

  private static SpanContext extract(String... headers) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], headers[i + 1]);
    }
    return TraceHeaders.extract(map::get);
  }

  @Test
  void traceparentWinsOverXTraceId() {
    SpanContext c = extract("traceparent", "00-" + TRACE + "-" + SPAN + "-01", "X-Trace-ID", OTHER_TRACE);
    assertEquals(TRACE, c.traceId());
    assertEquals(SPAN, c.spanId());
  }

  @Test
  void xTraceIdAloneGivesTheTraceWithoutParentSpan() {
    SpanContext c = extract("X-Trace-ID", OTHER_TRACE.toUpperCase());
    assertEquals(OTHER_TRACE, c.traceId());
    assertNull(c.spanId());
  }

  @Test
  void anInvalidTraceparentFallsBackToXTraceId() {
    SpanContext c = extract("traceparent", "ff-" + TRACE + "-" + SPAN + "-01", "X-Trace-ID", OTHER_TRACE);
    assertEquals(OTHER_TRACE, c.traceId());
    assertNull(c.spanId());
  }

  @Test
  void nothingValidMeansANewTrace() {
    assertNull(extract());
    assertNull(extract("X-Trace-ID", "not-a-w3c-id"));
    assertNull(extract("X-Trace-ID", "0".repeat(32)));
    assertNull(extract("traceparent", "00-" + "0".repeat(32) + "-" + SPAN + "-01"));
  }

  @Test
  void baggageCarriesOnlyValidSwarmIds() {
    SpanContext c =
        extract(
            "traceparent", "00-" + TRACE + "-" + SPAN + "-01",
            "baggage", "other=1, tenant_id = acme;prop=x,ticket_id=T%2D17,agent_id=bad id,userId=alice");
    assertEquals("acme", c.tenantId());
    assertEquals("T-17", c.ticketId());
    assertNull(c.agentId());
    assertNull(extract("baggage", "tenant_id=acme"), "baggage alone does not make a trace");
  }

  @Test
  void injectWritesAllThreeHeaders() {
    SpanContext c = new SpanContext(TRACE, SPAN, "acme", "T-1", "agent-1");
    Map<String, String> headers = new LinkedHashMap<>();
    TraceHeaders.inject(c, headers::put);
    assertEquals(
        Map.of(
            "X-Trace-ID", TRACE,
            "traceparent", "00-" + TRACE + "-" + SPAN + "-01",
            "baggage", "tenant_id=acme,ticket_id=T-1,agent_id=agent-1"),
        headers);
    SpanContext back = TraceHeaders.extract(headers::get);
    assertEquals(c, back);
  }

  @Test
  void environmentRoundTripHandsTheTraceToAVm() {
    Tracer tracer = Tracer.withSink(new TracerOptions(), s -> {});
    Span vmSpawn = tracer.spanBuilder("vm.spawn").setTenantId("acme").setTicketId("T-5").startSpan();
    Map<String, String> env = TraceHeaders.toEnvironment(vmSpawn);
    assertEquals(vmSpawn.traceParent(), env.get("TRACEPARENT"));
    assertEquals(vmSpawn.traceId(), env.get("X_TRACE_ID"));
    SpanContext inVm = TraceHeaders.fromEnvironment(env);
    Span agent = tracer.swarm().agentExecute(inVm, "coder");
    assertEquals("coder", agent.attribute("agent_type"));
    assertEquals(vmSpawn.traceId(), agent.traceId());
    assertEquals(vmSpawn.spanId(), agent.parentSpanId());
    assertEquals("acme", agent.tenantId());
    assertEquals("T-5", agent.ticketId());
  }
}
