package dev.swarm.tracer;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/**
 * Traces every request of a vertx-web router as an {@code http.request} server span. Mount it first:
 * {@code router.route().handler(TracingHandler.create(tracer))}.
 *
 * <ul>
 *   <li>Parent: a valid {@code traceparent} wins; else a valid {@code X-Trace-ID} (trace only, the span is that
 *       trace's root); else a new trace. {@code baggage} may carry the Swarm ids.
 *   <li>Attributes: {@code method}, {@code path} (the route template such as {@code /api/tickets/:id}, never
 *       the raw path; {@code unmatched} when no route handled the request), {@code status_code}.
 *   <li>Status: error for 5xx answers and for connections that closed before the answer was complete, else ok.
 *   <li>The response carries {@code X-Trace-ID}.
 * </ul>
 *
 * With sub-routers, mount the handler on each sub-router as well ({@code sub.route().handler(same)}) to get
 * the full template; otherwise the mount route's prefix is recorded.
 *
 * <p>The span is current on the request's duplicated Vert.x context for the whole request, so handlers and their
 * continuations see it through {@link Tracer#currentSpan()}; it is also in the routing context under
 * {@link #SPAN_KEY}.
 */
public final class TracingHandler implements io.vertx.core.Handler<RoutingContext> {
  public static final String SPAN_NAME = "http.request";
  public static final String SPAN_KEY = TracingHandler.class.getName() + ".span";
  static final String UNMATCHED = "unmatched";
  private static final String TEMPLATE_KEY = TracingHandler.class.getName() + ".template";

  private final Tracer tracer;

  private TracingHandler(Tracer tracer) {
    this.tracer = tracer;
  }

  public static TracingHandler create(Tracer tracer) {
    return new TracingHandler(tracer);
  }

  /** The request's span, or null when the request is not traced. */
  public static Span span(RoutingContext ctx) {
    return ctx.get(SPAN_KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    RouteTemplate template = ctx.get(TEMPLATE_KEY);
    if (template != null) {
      // Mounted again in a sub-router (or a re-route): only refine the route template, from this level.
      int depth = ++template.levels;
      Route here = ctx.currentRoute();
      ctx.addHeadersEndHandler(v -> template.offer(depth, routeTemplate(ctx, here)));
      ctx.next();
      return;
    }
    HttpServerRequest request = ctx.request();
    SpanContext parent = TraceHeaders.extract(request::getHeader);
    Span span =
        tracer
            .spanBuilder(SPAN_NAME)
            .setKind(SpanKind.SERVER)
            .setParent(parent)
            .setAttribute(SwarmSpans.METHOD, request.method().name())
            .startSpan();
    RouteTemplate routeTemplate = new RouteTemplate();
    ctx.put(SPAN_KEY, span);
    ctx.put(TEMPLATE_KEY, routeTemplate);
    Route tracingRoute = ctx.currentRoute();
    ctx.addHeadersEndHandler(
        v -> {
          ctx.response().headers().set(TraceHeaders.X_TRACE_ID, span.traceId());
          routeTemplate.offer(0, routeTemplate(ctx, tracingRoute));
        });
    ctx.addEndHandler(
        ar -> {
          int code = ctx.response().getStatusCode();
          routeTemplate.offer(0, routeTemplate(ctx, tracingRoute)); // headers never sent: connection lost
          span.setAttribute(SwarmSpans.PATH, routeTemplate.value);
          span.setAttribute(SwarmSpans.STATUS_CODE, code);
          if (ctx.failure() != null) {
            span.recordException(ctx.failure());
          }
          // A connection closing after the whole answer was handed over (common with HTTP/2 clients) is not
          // a failure of this request; closing before it is.
          boolean cutOff = ar.failed() && !ctx.response().ended();
          if (cutOff) {
            span.recordException(ar.cause());
          }
          span.setStatus(code >= 500 || cutOff ? SpanStatus.ERROR : SpanStatus.OK);
          span.end();
        });

    Context context = Vertx.currentContext();
    if (context instanceof ContextInternal internal && !internal.isDuplicate()) {
      // Vert.x normally runs each request on its own duplicated context; if not, make one so the span cannot
      // leak into other requests on this event loop.
      ContextInternal own = internal.duplicate();
      CurrentSpan.set(own, span);
      own.emit(v -> next(ctx, span));
    } else {
      if (context != null) {
        CurrentSpan.set(context, span); // for the request's whole life: its context dies with it
      }
      next(ctx, span);
    }
  }

  /**
   * The best route template seen for a request: a sub-router level that mounts this handler too knows the
   * full template ({@code /v1/items/:id}), where the top level sees only the mount route ({@code /v1/}).
   */
  private static final class RouteTemplate {
    int levels;
    int depth = -1;
    String value = UNMATCHED;

    void offer(int fromDepth, String template) {
      if (fromDepth > depth && (fromDepth == 0 || !UNMATCHED.equals(template))) {
        depth = fromDepth;
        value = template;
      }
    }
  }

  private static void next(RoutingContext ctx, Span span) {
    try (Scope mdc = CurrentSpan.mdcScope(span)) {
      ctx.next();
    }
  }

  /** The template of the route that answered, prefixed by the sub-router mount point; never the raw path. */
  static String routeTemplate(RoutingContext ctx, Route tracingRoute) {
    Route route = ctx.currentRoute();
    if (route == null || route == tracingRoute) {
      return UNMATCHED;
    }
    String path = route.getPath();
    if (path == null) {
      path = route.getName(); // regex routes: the pattern, still bounded in cardinality
    }
    if (path == null) {
      return UNMATCHED;
    }
    String mount = ctx.mountPoint();
    if (mount != null && !mount.isEmpty()) {
      String prefix = mount.endsWith("/") ? mount.substring(0, mount.length() - 1) : mount;
      path = path.startsWith("/") ? prefix + path : prefix + "/" + path;
    }
    return path;
  }
}
