package dev.swarm.tracer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Span lifecycle, parent selection, inheritance and limits, on plain threads (no Vert.x). */
class SpanTest {
  private final List<SpanData> finished = new ArrayList<>();
  private final Tracer tracer = Tracer.withSink(new TracerOptions(), finished::add);

  @Test
  void withoutCurrentSpanAStartedSpanIsTheRootOfANewTrace() {
    Span a = tracer.startSpan("a");
    Span b = tracer.startSpan("b");
    assertNull(a.parentSpanId());
    assertNotEquals(a.traceId(), b.traceId());
  }

  @Test
  void scopesNestAndRestoreOnAPlainThread() {
    Span outer = tracer.startSpan("outer");
    try (Scope o = outer.makeCurrent()) {
      assertSame(outer, tracer.currentSpan());
      Span inner = tracer.startSpan("inner");
      assertEquals(outer.traceId(), inner.traceId());
      assertEquals(outer.spanId(), inner.parentSpanId());
      try (Scope i = inner.makeCurrent()) {
        assertSame(inner, tracer.currentSpan());
      }
      assertSame(outer, tracer.currentSpan());
    }
    assertNull(tracer.currentSpan());
  }

  @Test
  void scopeSetsAndRestoresTheMdc() {
    MDC.put("trace_id", "previous");
    try {
      Span span = tracer.spanBuilder("s").setTenantId("acme").startSpan();
      try (Scope s = span.makeCurrent()) {
        assertEquals(span.traceId(), MDC.get("trace_id"));
        assertEquals(span.spanId(), MDC.get("span_id"));
        assertEquals("acme", MDC.get("tenant_id"));
        Span child = tracer.spanBuilder("c").setTenantId(null).startSpan();
        try (Scope c = child.makeCurrent()) {
          assertEquals(child.spanId(), MDC.get("span_id"));
          assertEquals("acme", MDC.get("tenant_id"), "inherited");
        }
        assertEquals(span.spanId(), MDC.get("span_id"));
      }
      assertEquals("previous", MDC.get("trace_id"));
      assertNull(MDC.get("span_id"));
      assertNull(MDC.get("tenant_id"));
    } finally {
      MDC.clear();
    }
  }

  @Test
  void closingAScopeTwiceIsHarmless() {
    Span a = tracer.startSpan("a");
    Span b = tracer.startSpan("b");
    try (Scope sa = a.makeCurrent()) {
      Scope sb = b.makeCurrent();
      sb.close();
      sb.close();
      assertSame(a, tracer.currentSpan());
    }
  }

  @Test
  void explicitParentsOverrideTheCurrentSpan() {
    Span current = tracer.startSpan("current");
    SpanContext remote = new SpanContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "acme", "T-1", null);
    try (Scope s = current.makeCurrent()) {
      Span fromRemote = tracer.spanBuilder("x").setParent(remote).startSpan();
      assertEquals(remote.traceId(), fromRemote.traceId());
      assertEquals(remote.spanId(), fromRemote.parentSpanId());
      assertEquals("T-1", fromRemote.ticketId());
      Span traceOnly =
          tracer.spanBuilder("y").setParent(new SpanContext(remote.traceId(), null, null, null, null)).startSpan();
      assertEquals(remote.traceId(), traceOnly.traceId());
      assertNull(traceOnly.parentSpanId());
      Span fresh = tracer.spanBuilder("z").setNoParent().startSpan();
      assertNotEquals(current.traceId(), fresh.traceId());
      assertNull(fresh.parentSpanId());
    }
  }

  @Test
  void swarmIdsAreInheritedAndTicketClaimSharesThemWithTheRequest() {
    Span request = tracer.swarm().httpRequest("POST", "/api/tickets/:id/run").setTenantId("acme");
    try (Scope r = request.makeCurrent()) {
      Span claim = tracer.swarm().ticketClaim("T-9", "agent-2");
      try (Scope c = claim.makeCurrent()) {
        Span vm = tracer.swarm().vmSpawn("vm-1", "cold");
        assertEquals("acme", vm.tenantId());
        assertEquals("T-9", vm.ticketId());
        assertEquals("agent-2", vm.agentId());
      }
      Span complete = tracer.swarm().ticketComplete(100);
      assertEquals("T-9", complete.ticketId(), "sibling of the claim, inherits through the request");
      assertEquals("agent-2", complete.agentId());
    }
  }

  @Test
  void endIsOnceAndLaterChangesAreIgnored() {
    Span span = tracer.startSpan("s");
    span.end();
    span.end();
    span.setAttribute("late", true).setStatus(SpanStatus.ERROR).addEvent("late");
    assertEquals(1, finished.size());
    assertTrue(finished.get(0).attributes().isEmpty());
    assertEquals(SpanStatus.UNSET, finished.get(0).status());
    assertTrue(span.isEnded());
  }

  @Test
  void attributeAndEventLimitsAreCountedNotSilent() {
    Tracer small =
        Tracer.withSink(
            new TracerOptions().setMaxAttributesPerSpan(2).setMaxEventsPerSpan(1).setMaxAttributeValueChars(5),
            finished::add);
    Span span = small.startSpan("s");
    span.setAttribute("a", "123456789").setAttribute("b", 2).setAttribute("c", 3).setAttribute("a", "x");
    span.addEvent("one").addEvent("two").addEvent("three");
    span.end();
    Map<String, Object> attrs = finished.get(0).attributes();
    assertEquals("x", attrs.get("a"), "an existing key may still be replaced");
    assertEquals(2L, attrs.get("b") instanceof Integer i ? (long) i : attrs.get("b"));
    assertFalse(attrs.containsKey("c"));
    assertEquals(1L, attrs.get("dropped_attributes_count"));
    assertEquals(2L, attrs.get("dropped_events_count"));
    assertEquals(1, finished.get(0).events().size());
  }

  @Test
  void longStringValuesAreCutAndOversizedAttributesTruncatedToTheByteLimit() {
    Tracer small =
        Tracer.withSink(
            new TracerOptions().setMaxAttributeValueChars(100).setMaxAttributesBytes(1_000), finished::add);
    Span span = small.startSpan("s");
    span.setAttribute("long", "y".repeat(500));
    for (int i = 0; i < 50; i++) {
      span.setAttribute("k" + i, "z".repeat(50));
    }
    span.end();
    Map<String, Object> attrs = finished.get(0).attributes();
    assertEquals(100, ((String) attrs.get("long")).length());
    assertEquals(true, attrs.get("attributes_truncated"));
    assertTrue(SpanData.attributesJson(attrs).encode().length() <= 1_000);
  }

  @Test
  void recordExceptionOmitsTheStackUnlessAskedFor() {
    Span plain = tracer.startSpan("s");
    plain.recordException(new RuntimeException("boom")).end();
    assertFalse(finished.get(0).events().get(0).attributes().containsKey("stacktrace"));
    Tracer withStacks = Tracer.withSink(new TracerOptions().setRecordStackTraces(true), finished::add);
    withStacks.startSpan("t").recordException(new RuntimeException("boom")).end();
    assertTrue(((String) finished.get(1).events().get(0).attributes().get("stacktrace")).contains("SpanTest"));
    assertEquals(SpanStatus.ERROR, finished.get(1).status());
  }
}
