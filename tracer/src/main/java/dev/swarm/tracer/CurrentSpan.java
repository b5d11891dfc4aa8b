package dev.swarm.tracer;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.MDC;

/**
 * Where the current span lives. On a Vert.x context it is that context's local data: Vert.x gives every HTTP
 * request its own duplicated context and runs the request's Future continuations on it, so the span follows
 * the request's asynchronous flow and never leaks into other work on the same event loop. Off Vert.x (plain
 * threads) it is a ThreadLocal, managed with {@link Scope}s.
 */
final class CurrentSpan {
  static final String MDC_TRACE_ID = "trace_id";
  static final String MDC_SPAN_ID = "span_id";
  static final String MDC_TENANT_ID = "tenant_id";

  private static final ThreadLocal<Span> THREAD = new ThreadLocal<>();
  /** Key in the context's local map when our ContextLocal slot is missing (Vertx built before registration). */
  private static final Object FALLBACK_KEY = new Object();

  private CurrentSpan() {}

  static Span get() {
    Context context = Vertx.currentContext();
    return context == null ? THREAD.get() : get(context);
  }

  static Span get(Context context) {
    if (hasSlot(context)) {
      return context.getLocal(ContextStorageProvider.CURRENT_SPAN);
    }
    return (Span) ((ContextInternal) context).localContextData().get(FALLBACK_KEY);
  }

  /** Sets (null removes) the span on {@code context}. */
  static void set(Context context, Span span) {
    if (hasSlot(context)) {
      if (span == null) {
        context.removeLocal(ContextStorageProvider.CURRENT_SPAN);
      } else {
        context.putLocal(ContextStorageProvider.CURRENT_SPAN, span);
      }
    } else if (span == null) {
      ((ContextInternal) context).localContextData().remove(FALLBACK_KEY);
    } else {
      ((ContextInternal) context).localContextData().put(FALLBACK_KEY, span);
    }
  }

  private static boolean hasSlot(Context context) {
    return context.owner() instanceof VertxInternal vertx
        && vertx.contextLocals().contains(ContextStorageProvider.CURRENT_SPAN);
  }

  /** Makes {@code span} current where the caller runs (Vert.x context or thread) until the scope closes. */
  static Scope activate(Span span) {
    Context context = Vertx.currentContext();
    Span previous;
    if (context != null) {
      previous = get(context);
      set(context, span);
    } else {
      previous = THREAD.get();
      THREAD.set(span);
    }
    Scope mdc = mdcScope(span);
    return new Scope() {
      private boolean closed;

      @Override
      public void close() {
        if (closed) {
          return;
        }
        closed = true;
        mdc.close();
        if (context != null) {
          set(context, previous);
        } else if (previous == null) {
          THREAD.remove();
        } else {
          THREAD.set(previous);
        }
      }
    };
  }

  /** Puts the span's ids in the SLF4J MDC; the scope restores the values found before. */
  static Scope mdcScope(Span span) {
    String oldTrace = MDC.get(MDC_TRACE_ID);
    String oldSpan = MDC.get(MDC_SPAN_ID);
    String oldTenant = MDC.get(MDC_TENANT_ID);
    put(MDC_TRACE_ID, span == null ? null : span.traceId());
    put(MDC_SPAN_ID, span == null ? null : span.spanId());
    put(MDC_TENANT_ID, span == null ? null : span.tenantId());
    return () -> {
      put(MDC_TRACE_ID, oldTrace);
      put(MDC_SPAN_ID, oldSpan);
      put(MDC_TENANT_ID, oldTenant);
    };
  }

  private static void put(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
