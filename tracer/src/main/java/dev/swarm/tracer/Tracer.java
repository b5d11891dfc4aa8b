package dev.swarm.tracer;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the library: starts spans, knows the current span, and exports finished spans to the
 * pipeline. One per process (or per service in a test); thread-safe.
 *
 * <pre>{@code
 * Tracer tracer = Tracer.create(vertx, TracerOptions.fromEnv(System.getenv()));
 * router.route().handler(TracingHandler.create(tracer));
 * ...
 * Span span = tracer.startSpan("git.clone");
 * try (Scope s = span.makeCurrent()) { ... } finally { span.end(); }
 * ...
 * tracer.close();   // flushes
 * }</pre>
 */
public final class Tracer {
  private static final Logger LOG = LoggerFactory.getLogger(Tracer.class);

  private final Vertx vertx;
  private final TracerOptions options;
  private final SpanExporter exporter;
  private final Consumer<SpanData> sink;
  private final SwarmSpans swarm;

  private Tracer(Vertx vertx, TracerOptions options, Consumer<SpanData> sink) {
    this.vertx = vertx;
    this.options = options;
    this.exporter = sink == null && options.enabled() ? new SpanExporter(vertx, options) : null;
    this.sink = sink != null ? sink : exporter != null ? exporter::export : span -> {};
    this.swarm = new SwarmSpans(this);
  }

  public static Tracer create(Vertx vertx, TracerOptions options) {
    return new Tracer(vertx, options.copy(), null);
  }

  /** A tracer handing finished spans to {@code sink} instead of exporting them (unit tests). */
  static Tracer withSink(TracerOptions options, Consumer<SpanData> sink) {
    return new Tracer(null, options.copy(), sink);
  }

  public Vertx vertx() {
    return vertx;
  }

  public TracerOptions options() {
    return options;
  }

  /** Typed helpers for the Swarm span types. */
  public SwarmSpans swarm() {
    return swarm;
  }

  public SpanBuilder spanBuilder(String name) {
    return new SpanBuilder(this, name);
  }

  /** Starts an internal span, child of the current span (or a new trace when none is current). */
  public Span startSpan(String name) {
    return spanBuilder(name).startSpan();
  }

  /**
   * The span current where the caller runs: on a Vert.x context, the span of that context (the request's span
   * inside a {@link TracingHandler}-traced request, including its Future continuations); on a plain thread, the
   * span of the innermost open {@link Scope}. Null when none.
   */
  public Span currentSpan() {
    return CurrentSpan.get();
  }

  /**
   * Runs asynchronous work with {@code span} current in all of its continuations, then ends the span when the
   * work's future completes: status error with the exception on failure, ok on success unless already set.
   * On a Vert.x context the work runs on a fresh duplicate of it (so its continuations see {@code span} while
   * the caller's keep seeing their own); the returned future completes on the caller's context.
   */
  public <T> Future<T> inSpan(Span span, Supplier<Future<T>> work) {
    Context caller = Vertx.currentContext();
    if (!(caller instanceof ContextInternal callerContext)) {
      Future<T> result;
      try (Scope s = span.makeCurrent()) {
        result = work.get();
      } catch (RuntimeException | Error e) {
        endWith(span, null, e);
        return Future.failedFuture(e);
      }
      return result.andThen(ar -> endWith(span, ar.result(), ar.cause()));
    }
    Promise<T> result = callerContext.promise();
    ContextInternal own = callerContext.duplicate();
    CurrentSpan.set(own, span);
    own.emit(
        v -> {
          Future<T> future;
          try (Scope mdc = CurrentSpan.mdcScope(span)) {
            future = work.get();
          } catch (RuntimeException | Error e) {
            endWith(span, null, e);
            result.fail(e);
            return;
          }
          future.onComplete(
              ar -> {
                endWith(span, ar.result(), ar.cause());
                result.handle(ar);
              });
        });
    return result.future();
  }

  private static void endWith(Span span, Object value, Throwable failure) {
    if (failure != null) {
      span.recordException(failure);
    } else if (span.status() == SpanStatus.UNSET) {
      span.setStatus(SpanStatus.OK);
    }
    span.end();
  }

  /**
   * A handler that runs with the span current now (and its MDC values) made current again, for callbacks that
   * Vert.x would run elsewhere (another context, a plain thread) or for log lines in continuations.
   */
  public <T> Handler<T> bind(Handler<T> handler) {
    Span span = currentSpan();
    if (span == null) {
      return handler;
    }
    return value -> {
      try (Scope s = span.makeCurrent()) {
        handler.handle(value);
      }
    };
  }

  /** Exporter counters (all zero when export is disabled). */
  public ExportStats stats() {
    return exporter == null ? new ExportStats(0, 0, 0, 0, 0) : exporter.stats();
  }

  /**
   * Sends what is still buffered (for at most {@link TracerOptions#closeTimeoutMs()}) and stops exporting. The
   * future always succeeds; spans that could not be sent are in {@link #stats()}.
   */
  public Future<Void> close() {
    return exporter == null ? Future.succeededFuture() : exporter.close();
  }

  long nowMillis() {
    return options.clock().millis();
  }

  void finished(SpanData span) {
    if (!TraceSampling.keep(span.traceId(), options.sampleRatio())) {
      return;
    }
    try {
      sink.accept(span);
    } catch (RuntimeException e) {
      // Tracing must never break the traced code.
      LOG.debug("could not queue span {}", span.name(), e);
    }
  }
}
