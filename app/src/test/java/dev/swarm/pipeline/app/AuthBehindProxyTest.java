package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.auth.TokenFile;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The failed-authentication lockout behind a proxy: with HTTP_TRUSTED_PROXIES=127.0.0.1/32, requests from 127.0.0.1
 * are counted against the client their X-Forwarded-For names, so one bad client does not lock out the others; a
 * peer that is not trusted (127.0.0.2) is counted as itself, whatever its header says. A real pipeline, real HTTP.
 */
class AuthBehindProxyTest {
  static final String ADMIN = "admin-token-behind-the-proxy";
  static final int FAILURES_PER_MINUTE = 5;

  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(() -> {
    try {
      Path tokens = Files.createTempDirectory("auth-proxy-test").resolve("tokens.json");
      Files.writeString(tokens, "{\"tokens\": [{\"sha256\": \"" + TokenFile.sha256Hex(ADMIN)
          + "\", \"tenant\": \"*\", \"scopes\": [\"write\", \"read\", \"admin\"]}]}");
      // A lockout far longer than the test: nothing here may pass because it ended.
      return Map.of("AUTH_TOKENS_FILE", tokens.toString(), "HTTP_TRUSTED_PROXIES", "127.0.0.1/32",
          "AUTH_FAILURES_PER_MINUTE", Integer.toString(FAILURES_PER_MINUTE), "AUTH_LOCKOUT", "10m");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  });
  static Vertx vertx;
  static HttpClient proxy;
  static HttpClient untrusted;
  static final List<String> lockoutLines = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void clients() {
    vertx = Vertx.vertx();
    int port = PIPELINE.app().config().httpPort();
    proxy = vertx.createHttpClient(new HttpClientOptions().setLocalAddress("127.0.0.1").setDefaultHost("127.0.0.1")
        .setDefaultPort(port));
    untrusted = vertx.createHttpClient(new HttpClientOptions().setLocalAddress("127.0.0.2")
        .setDefaultHost("127.0.0.1").setDefaultPort(port));
    var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    var capture = new org.apache.logging.log4j.core.appender.AbstractAppender("lockouts", null, null, true,
        org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
      @Override
      public void append(org.apache.logging.log4j.core.LogEvent event) {
        if (event.getLoggerName().endsWith("AuthRoutes")) {
          lockoutLines.add(event.getMessage().getFormattedMessage());
        }
      }
    };
    capture.start();
    context.getConfiguration().getRootLogger().addAppender(capture, org.apache.logging.log4j.Level.WARN, null);
    context.updateLoggers();
  }

  @AfterAll
  static void close() throws Exception {
    var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    context.getConfiguration().getRootLogger().removeAppender("lockouts");
    context.updateLoggers();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void throughATrustedProxyOnlyTheFailingClientIsLockedOut() {
    assertEquals(200, get(proxy, ADMIN, "203.0.113.7"), "before any failure");
    for (int i = 0; i < FAILURES_PER_MINUTE; i++) {
      assertEquals(401, get(proxy, "guess-" + i, "203.0.113.7"), "failure " + (i + 1));
    }
    assertEquals(429, get(proxy, ADMIN, "203.0.113.7"), "the failing client, valid token or not");
    assertEquals(429, get(proxy, ADMIN, "198.51.100.1, 203.0.113.7"),
        "an address the client puts in front of the proxy's entry does not free it");
    assertEquals(200, get(proxy, ADMIN, "203.0.113.8"), "another client through the same proxy");
    assertEquals(200, get(proxy, ADMIN, null), "the proxy itself");
    assertEquals(200, get(proxy, ADMIN, "203.0.113.7, 203.0.113.8"), "the rightmost untrusted entry is the client");
    assertTrue(lockoutLines.stream().anyMatch(l -> l.contains("failed authentications within a minute from"
        + " 203.0.113.7:")), lockoutLines.toString());
    assertTrue(PIPELINE.http().metricSum("trace_auth_locked_out_addresses") >= 1);
  }

  @Test
  void anUntrustedPeerIsLockedOutAsItselfWhateverItsHeaderSays() {
    assertEquals(200, get(untrusted, ADMIN, "203.0.113.9"), "before any failure");
    for (int i = 0; i < FAILURES_PER_MINUTE; i++) {
      assertEquals(401, get(untrusted, "guess-" + i, "203.0.113." + (100 + i)), "failure " + (i + 1));
    }
    assertEquals(429, get(untrusted, ADMIN, "203.0.113.9"), "a new header does not escape the lockout");
    assertEquals(429, get(untrusted, ADMIN, null));
    assertEquals(200, get(proxy, ADMIN, "203.0.113.9"), "203.0.113.9 was never counted");
    assertEquals(200, get(proxy, ADMIN, "203.0.113.100"), "nor any address the untrusted peer named");
    assertEquals(429, get(proxy, ADMIN, "127.0.0.2"), "the locked-out address, as the trusted proxy names it");
    assertTrue(lockoutLines.stream().anyMatch(l -> l.contains("failed authentications within a minute from"
        + " 127.0.0.2:")), lockoutLines.toString());
  }

  /** GET /api/traces with a token and, unless null, an X-Forwarded-For header; the status. */
  static int get(HttpClient client, String token, String forwardedFor) {
    try {
      return client.request(HttpMethod.GET, "/api/traces?limit=1").compose(req -> {
        req.putHeader("Authorization", "Bearer " + token);
        if (forwardedFor != null) {
          req.putHeader("X-Forwarded-For", forwardedFor);
        }
        return req.send().compose(resp -> resp.body().map(body -> resp.statusCode()));
      }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("GET /api/traces", e);
    }
  }
}
