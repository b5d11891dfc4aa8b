package dev.swarm.tracer;

/**
 * What a new span needs from its parent: the trace, the parent span (null when only the trace is known, e.g.
 * from a bare {@code X-Trace-ID}), and the Swarm ids every span of a ticket carries.
 */
public record SpanContext(String traceId, String spanId, String tenantId, String ticketId, String agentId) {

  public SpanContext {
    if (!TraceIds.isValidTraceId(traceId)) {
      throw new IllegalArgumentException("trace id must be 32 lower-case hex digits, not all zero: " + traceId);
    }
    if (spanId != null && !TraceIds.isValidSpanId(spanId)) {
      throw new IllegalArgumentException("span id must be 16 lower-case hex digits, not all zero: " + spanId);
    }
    tenantId = PipelineIds.sanitiseTenant(tenantId);
    ticketId = PipelineIds.sanitise(ticketId);
    agentId = PipelineIds.sanitise(agentId);
  }

  /** A remote parent from a traceparent header, without Swarm ids. */
  public static SpanContext of(TraceParent parent) {
    return new SpanContext(parent.traceId(), parent.parentSpanId(), null, null, null);
  }

  /** The same context carrying these Swarm ids (null keeps the current value). */
  public SpanContext withIds(String tenant, String ticket, String agent) {
    return new SpanContext(
        traceId,
        spanId,
        tenant != null ? tenant : tenantId,
        ticket != null ? ticket : ticketId,
        agent != null ? agent : agentId);
  }

  /** The {@code traceparent} value naming this context's span as parent; null without a span id. */
  public String traceParent() {
    return spanId == null ? null : TraceParent.format(traceId, spanId);
  }
}
