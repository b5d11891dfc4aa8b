package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the HTTP connections open at once across every HTTP verticle instance: a connection past the cap is closed
 * as soon as it is accepted, so no number of connection attempts can exhaust the process's open files (which the
 * embedded broker and SQLite need; out of them, the broker halts the JVM). Thread-safe: the event loops share it.
 */
final class ConnectionLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
  private static final long REFUSAL_LOG_INTERVAL_MS = 60_000;

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refused;
  private volatile long lastRefusalLog;

  ConnectionLimiter(int max, MeterRegistry registry) {
    this.max = max;
    Gauge.builder("trace.http.connections", open, AtomicInteger::get)
        .description("HTTP connections open now").register(registry);
    Gauge.builder("trace.http.max.connections", () -> max)
        .description("HTTP_MAX_CONNECTIONS: past it new connections are closed at once").register(registry);
    refused = Counter.builder("trace.http.connections.refused")
        .description("HTTP connections closed on arrival because HTTP_MAX_CONNECTIONS were open").register(registry);
  }

  /** Admits the connection (released when it closes) or closes it at once. */
  void accept(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refused.increment();
      connection.close();
      long now = System.currentTimeMillis();
      if (now - lastRefusalLog > REFUSAL_LOG_INTERVAL_MS) {
        lastRefusalLog = now;
        LOG.warn("refusing HTTP connections: HTTP_MAX_CONNECTIONS={} are open (counted in"
            + " trace_http_connections_refused_total; this line at most once a minute)", max);
      }
      return;
    }
    connection.closeHandler(v -> open.decrementAndGet());
  }
}
