package dev.swarm.pipeline.app.auth;

import dev.swarm.pipeline.app.auth.TokenFile.Token;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows the tokens of {@code AUTH_TOKENS_FILE} and which one a request's credentials present. The file is read
 * every {@code checkIntervalMs} on a worker (it is small) and parsed again when its bytes changed: a file
 * that no longer parses keeps the previous tokens, is logged and counted in
 * {@code trace_auth_reload_failures_total}. Thread-safe.
 */
public final class Authenticator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

  private final Path file;
  private volatile TokenFile tokens;
  private volatile byte[] lastRead; // null after a failed read
  private final Counter reloads;
  private final Counter reloadFailures;
  private final AtomicBoolean checking = new AtomicBoolean();
  private Vertx vertx;
  private long timer = -1;

  private Authenticator(Path file, TokenFile tokens, byte[] lastRead, MeterRegistry registry) {
    this.file = file;
    this.tokens = tokens;
    this.lastRead = lastRead;
    reloads = Counter.builder("trace.auth.reloads").description("Times AUTH_TOKENS_FILE was read again after a change")
        .register(registry);
    reloadFailures = Counter.builder("trace.auth.reload.failures")
        .description("Changes of AUTH_TOKENS_FILE that could not be read or parsed (the previous tokens stay)")
        .register(registry);
    Gauge.builder("trace.auth.tokens", this, a -> a.tokens.tokens().size())
        .description("Tokens in AUTH_TOKENS_FILE as last read").register(registry);
  }

  /**
   * Reads the file once, at start.
   *
   * @throws IllegalArgumentException naming the file and every problem when it cannot be read or is invalid
   */
  public static Authenticator load(Path file, MeterRegistry registry) {
    Objects.requireNonNull(file, "file");
    try {
      byte[] bytes = Files.readAllBytes(file);
      return new Authenticator(file, TokenFile.parse(new String(bytes, StandardCharsets.UTF_8)), bytes, registry);
    } catch (IOException e) {
      throw new IllegalArgumentException("AUTH_TOKENS_FILE=" + file + ": cannot be read: " + e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("AUTH_TOKENS_FILE=" + file + ": " + e.getMessage());
    }
  }

  /** Starts looking for changes of the file. */
  public Authenticator watch(Vertx vertx, long checkIntervalMs) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(checkIntervalMs, id -> {
      if (checking.compareAndSet(false, true)) {
        vertx.executeBlocking(() -> {
          reloadIfChanged();
          return null;
        }, false).onComplete(ar -> checking.set(false));
      }
    });
    return this;
  }

  /** Reads the file again if it changed since last read; blocking. */
  void reloadIfChanged() {
    byte[] now;
    try {
      now = Files.readAllBytes(file);
    } catch (IOException e) {
      if (lastRead != null) {
        reloadFailures.increment();
        LOG.warn("AUTH_TOKENS_FILE={} cannot be read ({}); keeping the {} tokens read before", file, e.toString(),
            tokens.tokens().size());
      }
      lastRead = null; // reported once; read again when it is back
      return;
    }
    if (java.util.Arrays.equals(now, lastRead)) {
      return;
    }
    lastRead = now;
    try {
      TokenFile next = TokenFile.parse(new String(now, StandardCharsets.UTF_8));
      tokens = next;
      reloads.increment();
      LOG.info("AUTH_TOKENS_FILE={} read again: {} tokens", file, next.tokens().size());
    } catch (IllegalArgumentException e) {
      reloadFailures.increment();
      LOG.warn("AUTH_TOKENS_FILE={} changed but is not valid, keeping the {} tokens read before: {}", file,
          tokens.tokens().size(), e.getMessage());
    }
  }

  /** The tokens as last read. */
  public TokenFile tokens() {
    return tokens;
  }

  /**
   * The token an {@code Authorization} header presents, or null (no header, another scheme, an unknown token).
   * {@code Bearer <token>}, or HTTP Basic with the token as the password (or as the user name when the password is
   * empty), as Grafana's data sources and many exporters send it.
   */
  public Token authenticate(String authorization) {
    String presented = presentedToken(authorization);
    return presented == null || presented.isEmpty() ? null : tokens.find(presented);
  }

  static String presentedToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String h = authorization.strip();
    int space = h.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = h.substring(0, space);
    String value = h.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return value;
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return null;
      }
      String password = decoded.substring(colon + 1);
      return password.isEmpty() ? decoded.substring(0, colon) : password;
    }
    return null;
  }

  @Override
  public void close() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

}
