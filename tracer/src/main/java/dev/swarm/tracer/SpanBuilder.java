package dev.swarm.tracer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Describes a span before it starts. By default the parent is the current span (see {@link Tracer#currentSpan()})
 * and the span inherits the parent's trace and Swarm ids; without a parent it starts a new trace.
 */
public final class SpanBuilder {
  private final Tracer tracer;
  private final String name;
  private SpanKind kind = SpanKind.INTERNAL;
  private boolean parentSet;
  private SpanContext parent;
  private Long startEpochMillis;
  private String tenantId;
  private String ticketId;
  private String agentId;
  private final Map<String, Object> attributes = new LinkedHashMap<>();

  SpanBuilder(Tracer tracer, String name) {
    this.tracer = tracer;
    this.name = name;
  }

  public SpanBuilder setKind(SpanKind kind) {
    this.kind = kind == null ? SpanKind.INTERNAL : kind;
    return this;
  }

  /** An explicit local parent (null: a new trace). */
  public SpanBuilder setParent(Span parent) {
    return setParent(parent == null ? null : parent.context());
  }

  /**
   * An explicit parent, e.g. from {@link TraceHeaders#extract}. A context without span id (only the trace is
   * known) makes this span a root of that trace. Null starts a new trace.
   */
  public SpanBuilder setParent(SpanContext parent) {
    this.parentSet = true;
    this.parent = parent;
    return this;
  }

  /** Starts a new trace even when a span is current. */
  public SpanBuilder setNoParent() {
    return setParent((SpanContext) null);
  }

  /** Start time in epoch milliseconds; default: the tracer's clock now. */
  public SpanBuilder setStartTime(long epochMillis) {
    this.startEpochMillis = epochMillis;
    return this;
  }

  /** Overrides the inherited tenant. */
  public SpanBuilder setTenantId(String tenantId) {
    this.tenantId = tenantId;
    return this;
  }

  public SpanBuilder setTicketId(String ticketId) {
    this.ticketId = ticketId;
    return this;
  }

  public SpanBuilder setAgentId(String agentId) {
    this.agentId = agentId;
    return this;
  }

  public SpanBuilder setAttribute(String key, String value) {
    attributes.put(key, value);
    return this;
  }

  public SpanBuilder setAttribute(String key, long value) {
    attributes.put(key, value);
    return this;
  }

  public SpanBuilder setAttribute(String key, double value) {
    attributes.put(key, value);
    return this;
  }

  public SpanBuilder setAttribute(String key, boolean value) {
    attributes.put(key, value);
    return this;
  }

  public Span startSpan() {
    SpanContext p = parent;
    if (!parentSet) {
      Span current = tracer.currentSpan();
      p = current == null ? null : current.context();
    }
    String traceId = p == null ? TraceIds.newTraceId() : p.traceId();
    String parentSpanId = p == null ? null : p.spanId();
    Span span =
        new Span(
            tracer,
            traceId,
            TraceIds.newSpanId(),
            parentSpanId,
            name,
            kind,
            startEpochMillis != null ? startEpochMillis : tracer.nowMillis(),
            tenantId != null ? tenantId : p == null ? null : p.tenantId(),
            ticketId != null ? ticketId : p == null ? null : p.ticketId(),
            agentId != null ? agentId : p == null ? null : p.agentId());
    String service = tracer.options().serviceName();
    if (service != null) {
      span.setAttribute(SwarmSpans.SERVICE_NAME, service);
    }
    attributes.forEach(
        (k, v) -> {
          if (v instanceof String s) {
            span.setAttribute(k, s);
          } else if (v instanceof Long l) {
            span.setAttribute(k, l);
          } else if (v instanceof Double d) {
            span.setAttribute(k, d);
          } else if (v instanceof Boolean b) {
            span.setAttribute(k, b);
          }
        });
    return span;
  }
}
