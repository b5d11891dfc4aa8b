package dev.swarm.tracer;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.function.Function;

/**
 * Outbound side: sends WebClient requests inside an {@code http.client} span (child of the current span) and
 * injects {@code X-Trace-ID}, {@code traceparent} naming that span, and {@code baggage} with the Swarm ids, so
 * the callee's spans join the trace under it.
 *
 * <pre>{@code
 * TracingWebClient http = TracingWebClient.wrap(WebClient.create(vertx), tracer);
 * http.send(http.client().get(port, host, "/api/vms/" + id)).onSuccess(...);
 * }</pre>
 *
 * Span attributes: {@code method}, {@code url} (scheme, host, port and path; no query string, which may hold
 * tokens), {@code status_code}. Status: error on network failure or a 5xx answer, else ok.
 */
public final class TracingWebClient {
  public static final String SPAN_NAME = "http.client";
  public static final String URL = "url";

  private final WebClient client;
  private final Tracer tracer;

  private TracingWebClient(WebClient client, Tracer tracer) {
    this.client = client;
    this.tracer = tracer;
  }

  public static TracingWebClient wrap(WebClient client, Tracer tracer) {
    return new TracingWebClient(client, tracer);
  }

  /** The wrapped client, to build requests with. */
  public WebClient client() {
    return client;
  }

  public <T> Future<HttpResponse<T>> send(HttpRequest<T> request) {
    return send(request, HttpRequest::send);
  }

  public <T> Future<HttpResponse<T>> sendBuffer(HttpRequest<T> request, Buffer body) {
    return send(request, r -> r.sendBuffer(body));
  }

  public <T> Future<HttpResponse<T>> sendJson(HttpRequest<T> request, Object body) {
    return send(request, r -> r.sendJson(body));
  }

  /** Traces any way of sending {@code request} ({@code sender} is called once, with the headers in place). */
  public <T> Future<HttpResponse<T>> send(
      HttpRequest<T> request, Function<HttpRequest<T>, Future<HttpResponse<T>>> sender) {
    Span span =
        tracer
            .spanBuilder(SPAN_NAME)
            .setKind(SpanKind.CLIENT)
            .setAttribute(SwarmSpans.METHOD, request.method().name())
            .setAttribute(URL, url(request))
            .startSpan();
    inject(span, request);
    Future<HttpResponse<T>> answer;
    try {
      answer = sender.apply(request);
    } catch (RuntimeException e) {
      span.recordException(e);
      span.end();
      throw e;
    }
    return answer.andThen(
        ar -> {
          if (ar.succeeded()) {
            int code = ar.result().statusCode();
            span.setAttribute(SwarmSpans.STATUS_CODE, code);
            span.setStatus(code >= 500 ? SpanStatus.ERROR : SpanStatus.OK);
          } else {
            span.recordException(ar.cause());
          }
          span.end();
        });
  }

  /** Puts the propagation headers naming {@code span} as parent on a request (for hand-made requests). */
  public static <T> HttpRequest<T> inject(Span span, HttpRequest<T> request) {
    TraceHeaders.inject(span.context(), request::putHeader);
    return request;
  }

  private static String url(HttpRequest<?> request) {
    String uri = request.uri();
    if (uri == null) {
      uri = "/";
    }
    int query = uri.indexOf('?');
    if (query >= 0) {
      uri = uri.substring(0, query);
    }
    boolean ssl = Boolean.TRUE.equals(request.ssl());
    return (ssl ? "https://" : "http://") + request.host() + ":" + request.port() + uri;
  }
}
