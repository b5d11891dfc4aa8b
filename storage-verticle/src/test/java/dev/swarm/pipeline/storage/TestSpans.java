package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.List;

/** Small hand-made spans and trace messages for tests (storage-postgres's contract tests use them too). */
public final class TestSpans {

  /** 36 minutes before midnight UTC: a span an hour earlier or later is in another day's partition. */
  public static final long T0 = Timestamps.parseIso("2026-11-27T23:24:23.123Z");

  public static final long DAY = 86_400_000L;

  private TestSpans() {}

  /** A span starting {@code offsetMs} after T0, lasting 10 ms, tenant/ticket/agent set, attributes {"k":"<id>"}. */
  public static Span span(String traceId, String id, String parentId, String name, long offsetMs) {
    return new Span(id, traceId, parentId, name, SpanKind.INTERNAL, SpanStatus.OK, T0 + offsetMs,
        T0 + offsetMs + 10, 10L, "tenant-1", "TCK-1", "agent-1", "{\"k\":\"" + id + "\"}", "[]", 0);
  }

  public static Span withStatus(Span s, SpanStatus status) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), s.spanName(), s.spanKind(), status, s.startEpochMillis(),
        s.endEpochMillis(), s.durationMs(), s.tenantId(), s.ticketId(), s.agentId(), s.attributesJson(),
        s.eventsJson(), s.eventCount());
  }

  public static Span withOwners(Span s, String tenant, String ticket, String agent) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), s.spanName(), s.spanKind(), s.status(),
        s.startEpochMillis(), s.endEpochMillis(), s.durationMs(), tenant, ticket, agent, s.attributesJson(),
        s.eventsJson(), s.eventCount());
  }

  public static Span withStart(Span s, long startMillis) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), s.spanName(), s.spanKind(), s.status(), startMillis,
        startMillis + 10, 10L, s.tenantId(), s.ticketId(), s.agentId(), s.attributesJson(), s.eventsJson(),
        s.eventCount());
  }

  public static Span withJson(Span s, String attributes, String events, int eventCount) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), s.spanName(), s.spanKind(), s.status(),
        s.startEpochMillis(), s.endEpochMillis(), s.durationMs(), s.tenantId(), s.ticketId(), s.agentId(), attributes,
        events, eventCount);
  }

  public static Span withName(Span s, String name) {
    return new Span(s.id(), s.traceId(), s.parentSpanId(), name, s.spanKind(), s.status(), s.startEpochMillis(),
        s.endEpochMillis(), s.durationMs(), s.tenantId(), s.ticketId(), s.agentId(), s.attributesJson(),
        s.eventsJson(), s.eventCount());
  }

  /** A message whose counts are what an aggregator would send for these spans. */
  public static TraceRecord message(TraceVerdict verdict, List<Span> spans) {
    var ids = spans.stream().map(Span::id).toList();
    var parents = spans.stream().map(Span::parentSpanId).toList();
    var shape = dev.swarm.pipeline.schema.TraceShape.analyze(ids, parents);
    return new TraceRecord(spans.get(0).traceId(), verdict, shape.spanCount(), shape.rootCount(),
        shape.orphanCount(), shape.cycleCount(), 0, T0, T0 + 5000, spans);
  }

  /** A late update carrying these spans (counts of these spans only, no times). */
  public static TraceRecord late(List<Span> spans) {
    return new TraceRecord(spans.get(0).traceId(), TraceVerdict.LATE, spans.size(), 0, 0, 0, 0, null, null, spans);
  }
}
