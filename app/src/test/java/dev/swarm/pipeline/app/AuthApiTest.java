package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.auth.TokenFile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With AUTH_TOKENS_FILE set, every endpoint but /health/* and /metrics needs a token with the right scope, and a
 * tenant's token writes only that tenant's spans. A real pipeline, plain HTTP.
 */
class AuthApiTest {
  static final String ACME = "acme-writer-token";
  static final String ADMIN = "admin-token-every-tenant";
  static final String LATER = "token-added-while-running";
  static final String SLOW = "token-of-a-rate-limited-tenant";
  static final int FAILURES_PER_MINUTE = 200;
  static Path tokens;

  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(() -> {
    try {
      tokens = Files.createTempDirectory("auth-test").resolve("tokens.json");
      Files.writeString(tokens, tokenFile(false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The tests fail authentication on purpose from 127.0.0.1, far fewer times than this; the lockout's own test
    // fails from another address.
    return Map.of("AUTH_TOKENS_FILE", tokens.toString(), "AUTH_RELOAD_INTERVAL_MS", "200",
        "AUTH_FAILURES_PER_MINUTE", Integer.toString(FAILURES_PER_MINUTE), "AUTH_LOCKOUT", "3s");
  });
  static Http http;

  static String tokenFile(boolean withLater) {
    String later = withLater ? ",{\"sha256\": \"" + TokenFile.sha256Hex(LATER) + "\", \"tenant\": \"acme\", \"scopes\": [\"write\"]}" : "";
    return "{\"tokens\": [{\"sha256\": \"" + TokenFile.sha256Hex(ACME) + "\", \"tenant\": \"acme\", \"scopes\": [\"write\"]},"
        + "{\"sha256\": \"" + TokenFile.sha256Hex(ADMIN) + "\", \"tenant\": \"*\", \"scopes\": [\"write\", \"read\", \"admin\"]}"
        + ",{\"sha256\": \"" + TokenFile.sha256Hex(SLOW) + "\", \"tenant\": \"slow\", \"scopes\": [\"write\"]}"
        + later + "], \"tenants\": {\"slow\": {\"ingest_spans_per_second\": 1, \"ingest_burst_spans\": 5}}}";
  }

  @BeforeAll
  static void bind() {
    http = PIPELINE.http();
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> get(String path, String authorization) {
    return authorization == null ? http.get(path) : http.get(path, "Authorization", authorization);
  }

  static HttpResponse<String> post(String body, String... headers) {
    return http.postJson("/api/traces", body, headers);
  }

  @Test
  void withoutCredentialsEveryDataEndpointAnswers401AndTheOperationalOnesStayOpen() {
    for (String path : List.of("/api/traces", "/api/traces/abc", "/zipkin/api/v2/services", "/tempo/api/search",
        "/tempo/api/traces/abc", "/api/traces?service=x")) {
      for (String authorization : new String[] {null, bearer("not-a-token"), basic("grafana", "wrong")}) {
        HttpResponse<String> r = get(path, authorization);
        assertEquals(401, r.statusCode(), path + " with " + authorization);
        List<String> challenges = r.headers().allValues("WWW-Authenticate");
        assertTrue(challenges.stream().anyMatch(c -> c.startsWith("Bearer")), challenges.toString());
        assertTrue(challenges.stream().anyMatch(c -> c.startsWith("Basic")), "a browser asks for credentials");
        assertTrue(new JsonObject(r.body()).getString("error").length() > 0);
      }
    }
    String span = TestSpans.span(TestSpans.newTraceId(), "r", null).encode();
    for (String path : List.of("/api/traces", "/v1/traces", "/api/v2/spans")) {
      assertEquals(401, http.postJson(path, span).statusCode(), path);
    }
    // The UI's page loads; its script asks for a token once the API answers 401, with no Basic challenge for it.
    assertEquals(200, http.get("/ui/").statusCode());
    HttpResponse<String> fromScript = http.get("/api/traces", "X-Requested-With", "XMLHttpRequest");
    assertEquals(401, fromScript.statusCode());
    assertEquals(List.of("Bearer realm=\"trace-pipeline\""), fromScript.headers().allValues("WWW-Authenticate"));
    assertEquals(200, http.get("/health/live").statusCode());
    assertEquals(200, http.get("/health/ready").statusCode());
    assertTrue(http.get("/metrics").body().contains("trace_auth_requests_total{outcome=\"unauthenticated\"}"));
  }

  @Test
  void aTenantsTokenWritesAsItsTenantAndNeverAsAnother() {
    String own = TestSpans.newTraceId();
    String named = TestSpans.newTraceId();
    String foreign = TestSpans.newTraceId();
    assertEquals(202, post(TestSpans.span(own, "r", null).encode(), "Authorization", bearer(ACME)).statusCode());
    assertEquals(202, post(TestSpans.span(named, "r", null).put("tenant_id", "acme").encode(),
        "Authorization", bearer(ACME)).statusCode());
    // One span of another tenant refuses the whole request: its acme span is not stored either.
    JsonArray mixed = new JsonArray().add(TestSpans.span(foreign, "r", null))
        .add(TestSpans.span(foreign, "c", "r").put("tenant_id", "globex"));
    HttpResponse<String> refused = post(mixed.encode(), "Authorization", bearer(ACME));
    assertEquals(403, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("tenant_id") && refused.body().contains("globex"), refused.body());

    assertEquals("acme", stored(own).getString("tenant_id"), "a span naming no tenant gets the token's");
    assertEquals("acme", stored(named).getString("tenant_id"));
    assertEquals(404, get("/api/traces/" + foreign, bearer(ADMIN)).statusCode(), "nothing of the refused request");

    // Without the read scope the writer reads nothing.
    HttpResponse<String> read = get("/api/traces", bearer(ACME));
    assertEquals(403, read.statusCode());
    assertTrue(read.body().contains("no read scope"), read.body());
  }

  @Test
  void theTokenOfEveryTenantReadsWithBasicAuthAndWritesTheTenantItNames() {
    String trace = TestSpans.newTraceId();
    assertEquals(202, post(TestSpans.span(trace, "r", null).encode(), "Authorization", basic("ops", ADMIN),
        "X-Scope-OrgID", "beta").statusCode());
    assertEquals("beta", stored(trace).getString("tenant_id"));
    String own = TestSpans.newTraceId();
    assertEquals(202, post(TestSpans.span(own, "r", null).put("tenant_id", "gamma").encode(),
        "Authorization", bearer(ADMIN)).statusCode());
    assertEquals("gamma", stored(own).getString("tenant_id"), "spans keep their own tenant");
    assertEquals(200, get("/zipkin/api/v2/services", basic(ADMIN, "")).statusCode(), "the token as the user name");
    assertEquals(400, post(TestSpans.span(trace, "x", null).encode(), "Authorization", bearer(ADMIN),
        "X-Scope-OrgID", "a b").statusCode());
  }

  @Test
  void theFileIsReadAgainWhenItChangesAndAnInvalidVersionKeepsThePreviousTokens() throws Exception {
    String span = TestSpans.span(TestSpans.newTraceId(), "r", null).encode();
    assertEquals(401, post(span, "Authorization", bearer(LATER)).statusCode());
    Files.writeString(tokens, tokenFile(true));
    Await.until("the new token accepted", Duration.ofSeconds(20),
        () -> post(span, "Authorization", bearer(LATER)).statusCode(), s -> s == 202);
    double failures = http.metricSum("trace_auth_reload_failures_total");
    Files.writeString(tokens, "{\"tokens\": [{\"sha256\": \"short\"}]}");
    Await.until("the invalid file counted", Duration.ofSeconds(20),
        () -> http.metricSum("trace_auth_reload_failures_total"), n -> n > failures);
    assertEquals(202, post(span, "Authorization", bearer(LATER)).statusCode(), "the previous tokens still work");
    assertEquals(202, post(span, "Authorization", bearer(ACME)).statusCode());
    Files.writeString(tokens, tokenFile(false));
    Await.until("the removed token refused", Duration.ofSeconds(20),
        () -> post(span, "Authorization", bearer(LATER)).statusCode(), s -> s == 401);
  }

  @Test
  void otlpFollowsTheSameRuleForTheTenantIdResourceAttribute() {
    String ok = otlp(TestSpans.newTraceId(), "acme");
    assertEquals(200, http.postJson("/v1/traces", ok, "Authorization", bearer(ACME)).statusCode());
    String trace = TestSpans.newTraceId();
    HttpResponse<String> refused = http.postJson("/v1/traces", otlp(trace, "globex"), "Authorization", bearer(ACME));
    assertEquals(403, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("tenant_id"), refused.body());
    assertEquals(7, new JsonObject(refused.body()).getInteger("code"), "PERMISSION_DENIED in the OTLP Status");
  }

  private static String otlp(String traceId, String tenant) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"tenant.id\",\"value\":{\"stringValue\":\""
        + tenant + "\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + traceId + "\",\"spanId\":\"00f067aa0ba902b7\","
        + "\"name\":\"x\",\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000100000000\"}]}]}]}";
  }

  @Test
  void theTracerSendsItsTokenAndItsSpansGetTheTokensTenant() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      dev.swarm.tracer.Tracer tracer = dev.swarm.tracer.Tracer.create(vertx, dev.swarm.tracer.TracerOptions.fromEnv(
          Map.of("TRACER_ENDPOINT", "http://127.0.0.1:" + PIPELINE.app().config().httpPort(), "TRACER_TOKEN", ACME)));
      dev.swarm.tracer.Span span = tracer.startSpan("ticket.claim");
      span.end();
      tracer.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("acme", stored(span.traceId()).getString("tenant_id"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void aTenantOverItsIngestLimitGets429WithRetryAfterAndOthersAreUnaffected() {
    double limitedBefore = http.metricSum("trace_ingest_spans_total{outcome=\"rate_limited\"}");
    JsonArray five = new JsonArray();
    String trace = TestSpans.newTraceId();
    for (int i = 0; i < 5; i++) {
      five.add(TestSpans.span(trace, "s" + i, i == 0 ? null : "s0"));
    }
    assertEquals(202, post(five.encode(), "Authorization", bearer(SLOW)).statusCode(), "the burst");
    HttpResponse<String> over = post(TestSpans.span(trace, "s5", "s0").encode(), "Authorization", bearer(SLOW));
    assertEquals(429, over.statusCode(), over.body());
    long retry = Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retry >= 1 && retry <= 2, "one span at 1/s: " + retry);
    assertTrue(over.body().contains("rate_limited"), over.body());
    assertEquals(202, post(TestSpans.span(TestSpans.newTraceId(), "r", null).encode(), "Authorization", bearer(ACME))
        .statusCode(), "another tenant is not limited");
    five.add(TestSpans.span(trace, "s6", "s0"));
    assertEquals(413, post(five.encode(), "Authorization", bearer(SLOW)).statusCode(), "6 spans never fit a burst of 5");
    assertEquals(limitedBefore + 7, http.metricSum("trace_ingest_spans_total{outcome=\"rate_limited\"}"));
  }

  @Test
  void anAddressWithTooManyFailuresIsAnswered429EvenWithAValidTokenAndOthersAreNot() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      // Another loopback address: the lockout is per client address.
      io.vertx.core.http.HttpClient other = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
          .setLocalAddress("127.0.0.2").setDefaultHost("127.0.0.1")
          .setDefaultPort(PIPELINE.app().config().httpPort()));
      double missing = http.metricSum("trace_auth_failures_total{reason=\"missing\"}");
      double unknown = http.metricSum("trace_auth_failures_total{reason=\"unknown_token\"}");
      double missingScope = http.metricSum("trace_auth_failures_total{reason=\"missing_scope\"}");
      double lockedOut = http.metricSum("trace_auth_failures_total{reason=\"locked_out\"}");
      assertEquals(403, get("/api/traces", bearer(ACME)).statusCode());
      assertEquals(200, send(other, "/api/traces", bearer(ADMIN)).status(), "a valid token before any failure");
      assertEquals(401, send(other, "/api/traces", null).status());
      for (int i = 1; i < FAILURES_PER_MINUTE; i++) {
        assertEquals(401, send(other, "/api/traces", bearer("guess-" + i)).status(), "failure " + (i + 1));
      }
      Answer refused = send(other, "/api/traces", bearer(ADMIN));
      assertEquals(429, refused.status(), "the valid token too, during the lockout");
      long retryAfter = Long.parseLong(refused.retryAfter());
      assertTrue(retryAfter >= 1 && retryAfter <= 3, "AUTH_LOCKOUT=3s: " + retryAfter);
      assertEquals("too many failed authentications from this address; retry after " + retryAfter + " s",
          new JsonObject(refused.body()).getString("error"));
      assertEquals(1.0, http.metricSum("trace_auth_locked_out_addresses"));
      assertEquals(200, send(other, "/health/ready", null).status(), "health stays open");
      assertEquals(200, send(other, "/metrics", null).status(), "metrics stay open");
      assertEquals(200, get("/api/traces", bearer(ADMIN)).statusCode(), "127.0.0.1 is not locked out");

      assertEquals(missing + 1, http.metricSum("trace_auth_failures_total{reason=\"missing\"}"));
      assertEquals(unknown + FAILURES_PER_MINUTE - 1, http.metricSum("trace_auth_failures_total{reason=\"unknown_token\"}"));
      assertEquals(missingScope + 1, http.metricSum("trace_auth_failures_total{reason=\"missing_scope\"}"));
      assertEquals(lockedOut + 1, http.metricSum("trace_auth_failures_total{reason=\"locked_out\"}"));
      Await.until("the lockout over", Duration.ofSeconds(20), () -> send(other, "/api/traces", bearer(ADMIN)).status(),
          s -> s == 200);
      assertEquals(0.0, http.metricSum("trace_auth_locked_out_addresses"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  record Answer(int status, String retryAfter, String body) {}

  /** A GET through a Vert.x client, whose local address can be chosen (the JDK's cannot, before Java 19). */
  static Answer send(io.vertx.core.http.HttpClient client, String path, String authorization) {
    try {
      return client.request(io.vertx.core.http.HttpMethod.GET, path).compose(req -> {
        if (authorization != null) {
          req.putHeader("Authorization", authorization);
        }
        return req.send().compose(resp -> resp.body()
            .map(body -> new Answer(resp.statusCode(), resp.getHeader("Retry-After"), body.toString())));
      }).toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("GET " + path, e);
    }
  }

  private static JsonObject stored(String trace) {
    return new JsonObject(Await.until("trace " + trace + " stored", Duration.ofSeconds(30),
        () -> get("/api/traces/" + trace, bearer(ADMIN)), r -> r.statusCode() == 200).body());
  }
}
