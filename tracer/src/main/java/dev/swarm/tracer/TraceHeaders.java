package dev.swarm.tracer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How a trace crosses a process boundary. Over HTTP: {@code traceparent} (W3C) and {@code X-Trace-ID} (the
 * platform's bare trace id), plus the Swarm ids in {@code baggage}. Into a VM or subprocess: the same values as
 * environment variables {@code TRACEPARENT}, {@code X_TRACE_ID} and {@code BAGGAGE}.
 */
public final class TraceHeaders {
  public static final String X_TRACE_ID = "X-Trace-ID";
  public static final String TRACEPARENT = TraceParent.HEADER;
  public static final String BAGGAGE = SwarmBaggage.HEADER;

  public static final String ENV_TRACEPARENT = "TRACEPARENT";
  public static final String ENV_X_TRACE_ID = "X_TRACE_ID";
  public static final String ENV_BAGGAGE = "BAGGAGE";

  private TraceHeaders() {}

  /**
   * The remote parent named by incoming headers, or null to start a new trace. A valid {@code traceparent}
   * wins; otherwise a valid {@code X-Trace-ID} (32 hex digits, any case) gives the trace without a parent span;
   * anything else is ignored.
   */
  public static SpanContext extract(Function<String, String> header) {
    return extract(header.apply(TRACEPARENT), header.apply(X_TRACE_ID), header.apply(BAGGAGE));
  }

  /** As {@link #extract(Function)}, from a process environment (the VM side of a hand-off). */
  public static SpanContext fromEnvironment(Map<String, String> env) {
    return extract(env.get(ENV_TRACEPARENT), env.get(ENV_X_TRACE_ID), env.get(ENV_BAGGAGE));
  }

  private static SpanContext extract(String traceparent, String xTraceId, String baggage) {
    SpanContext context = TraceParent.parse(traceparent).map(SpanContext::of).orElse(null);
    if (context == null && xTraceId != null) {
      String traceId = TraceIds.normaliseHex(xTraceId.strip(), TraceIds.TRACE_ID_LENGTH);
      if (traceId != null) {
        context = new SpanContext(traceId, null, null, null, null);
      }
    }
    return context == null ? null : SwarmBaggage.apply(context, baggage);
  }

  /** Writes the headers that make the receiver's spans children of {@code context}'s span. */
  public static void inject(SpanContext context, BiConsumer<String, String> header) {
    header.accept(X_TRACE_ID, context.traceId());
    if (context.spanId() != null) {
      header.accept(TRACEPARENT, context.traceParent());
    }
    String baggage = SwarmBaggage.format(context.tenantId(), context.ticketId(), context.agentId());
    if (baggage != null) {
      header.accept(BAGGAGE, baggage);
    }
  }

  /** Environment variables for a VM or subprocess whose spans belong under {@code span}. */
  public static Map<String, String> toEnvironment(Span span) {
    Map<String, String> env = new LinkedHashMap<>();
    inject(span.context(), (name, value) -> env.put(envName(name), value));
    return env;
  }

  private static String envName(String header) {
    return switch (header) {
      case X_TRACE_ID -> ENV_X_TRACE_ID;
      case TRACEPARENT -> ENV_TRACEPARENT;
      case BAGGAGE -> ENV_BAGGAGE;
      default -> throw new IllegalArgumentException(header);
    };
  }
}
