package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the HTTP connections open at once across every HTTP verticle instance: a connection past the cap is closed
 * as soon as it is accepted, so no number of connection attempts can exhaust the process's open files (which the
 * embedded broker and SQLite need; out of them, the broker halts the JVM).
 *
 * <p>Closing from Vert.x's connection handler alone is not enough: the handler runs on an event loop, after the
 * acceptor thread has already accepted the connection, and a burst of connections is accepted far faster than the
 * event loops close them (4,000 connections at once took a process with 1,536 open files to its limit with the
 * cap at 768). So the limiter also sits on the listening socket's own Netty pipeline, on the acceptor thread, and
 * closes a connection past the cap before it is ever handed on. It is put there by the first connection the server
 * handles (the app makes one itself once the port is open); a connection accepted before that is counted, and
 * refused, by the connection handler. Thread-safe.
 */
final class ConnectionLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimiter.class);
  private static final long REFUSAL_LOG_INTERVAL_MS = 60_000;
  private static final String GUARD_NAME = "trace-connection-limit";
  private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("trace.connection.counted");

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refused;
  private final AcceptGuard guard = new AcceptGuard();
  private volatile long lastRefusalLog;
  private volatile boolean warnedNoGuard;
  private volatile boolean guarding;

  ConnectionLimiter(int max, MeterRegistry registry) {
    this.max = max;
    Gauge.builder("trace.http.connections", open, AtomicInteger::get)
        .description("HTTP connections open now").register(registry);
    Gauge.builder("trace.http.max.connections", () -> max)
        .description("HTTP_MAX_CONNECTIONS: past it new connections are closed at once").register(registry);
    refused = Counter.builder("trace.http.connections.refused")
        .description("HTTP connections closed on arrival because HTTP_MAX_CONNECTIONS were open").register(registry);
  }

  /**
   * Vert.x's connection handler: puts the accept-time guard on the listening socket if it is not there yet, and
   * admits (released when it closes) or closes a connection the guard did not see.
   */
  void accept(HttpConnection connection) {
    Channel channel = channelOf(connection);
    if (channel == null) {
      if (!warnedNoGuard) {
        warnedNoGuard = true;
        LOG.warn("HTTP connections are counted only once Vert.x hands them on (no Netty channel in {}): a burst of"
            + " connections may briefly exceed HTTP_MAX_CONNECTIONS", connection.getClass().getName());
      }
      if (!admit()) {
        connection.close();
        return;
      }
      connection.closeHandler(v -> open.decrementAndGet());
      return;
    }
    install(channel.parent());
    if (!channel.hasAttr(COUNTED) && !admit(channel)) {
      channel.close();
    }
  }

  /** True once the guard sits on the listening socket. */
  boolean guarding() {
    return guarding;
  }

  private void install(Channel server) {
    if (server == null || server.pipeline().get(GUARD_NAME) != null) {
      return;
    }
    synchronized (this) {
      if (server.pipeline().get(GUARD_NAME) == null) {
        server.pipeline().addFirst(GUARD_NAME, guard);
        guarding = true;
      }
    }
  }

  /** Counts the connection and releases it when it closes; false (uncounted) past the cap. */
  private boolean admit(Channel channel) {
    channel.attr(COUNTED).set(Boolean.TRUE);
    if (!admit()) {
      return false;
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  private boolean admit() {
    if (open.incrementAndGet() <= max) {
      return true;
    }
    open.decrementAndGet();
    refused.increment();
    long now = System.currentTimeMillis();
    if (now - lastRefusalLog > REFUSAL_LOG_INTERVAL_MS) {
      lastRefusalLog = now;
      LOG.warn("refusing HTTP connections: HTTP_MAX_CONNECTIONS={} are open (counted in"
          + " trace_http_connections_refused_total; this line at most once a minute)", max);
    }
    return false;
  }

  /**
   * Vert.x's server connections are its ConnectionBase, which exposes the Netty channel; another implementation
   * (a future Vert.x) gets null, and the handler-side count alone.
   */
  private static Channel channelOf(HttpConnection connection) {
    return connection instanceof io.vertx.core.net.impl.ConnectionBase base ? base.channel() : null;
  }

  /** On the listening socket: sees each accepted connection on the acceptor thread, before any event loop does. */
  @ChannelHandler.Sharable
  private final class AcceptGuard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child && !admit(child)) {
        child.unsafe().closeForcibly(); // not registered with an event loop yet: closed here and now
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
