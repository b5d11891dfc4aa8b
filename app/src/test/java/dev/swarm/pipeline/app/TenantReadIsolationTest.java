package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every read endpoint against every kind of caller: a tenant reads only its own traces (another tenant's are 404 or
 * absent from lists, filtered inside the storage query), the token of every tenant reads all or the one
 * {@code X-Scope-OrgID} names, no token is 401 and a write-only token 403. Two tenants also use one trace id, and one
 * of them tries to overwrite the other's span. A real pipeline with a tokens file.
 */
class TenantReadIsolationTest {
  static final String ACME = "acme-read-write-token";
  static final String GLOBEX = "globex-read-write-token";
  static final String ACME_WRITER = "acme-write-only-token";
  static final String ADMIN = "every-tenant-admin-token";

  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(() -> {
    try {
      Path tokens = Files.createTempDirectory("tenant-read-test").resolve("tokens.json");
      Files.writeString(tokens, "{\"tokens\": ["
          + token(ACME, "acme", "\"write\", \"read\"") + "," + token(GLOBEX, "globex", "\"write\", \"read\"") + ","
          + token(ACME_WRITER, "acme", "\"write\"") + "," + token(ADMIN, "*", "\"write\", \"read\", \"admin\"") + "]}");
      return Map.of("AUTH_TOKENS_FILE", tokens.toString(), "TRACE_IDLE_MS", "300");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  });

  static Http http;
  static String acmeOnly;
  static String globexOnly;
  static String shared;
  static final long START_MICROS = (System.currentTimeMillis() - 60_000) * 1000;

  static String token(String token, String tenant, String scopes) {
    return "{\"sha256\": \"" + TokenFile.sha256Hex(token) + "\", \"tenant\": \"" + tenant + "\", \"scopes\": [" + scopes + "]}";
  }

  /** A Zipkin span (so the Zipkin and Tempo reads have a service and hex ids). */
  static JsonObject zipkinSpan(String traceId, String id, String parent, String name, String service) {
    JsonObject s = new JsonObject().put("traceId", traceId).put("id", id).put("name", name).put("kind", "SERVER")
        .put("timestamp", START_MICROS).put("duration", 5_000)
        .put("localEndpoint", new JsonObject().put("serviceName", service));
    return parent == null ? s : s.put("parentId", parent);
  }

  static void write(String token, JsonObject... spans) {
    HttpResponse<String> r = http.postJson("/api/v2/spans", new JsonArray(List.of((Object[]) spans)).encode(),
        "Authorization", "Bearer " + token);
    assertEquals(202, r.statusCode(), r.body());
  }

  @BeforeAll
  static void storeTracesOfTwoTenants() {
    http = PIPELINE.http();
    acmeOnly = TestSpans.newTraceId();
    globexOnly = TestSpans.newTraceId();
    shared = TestSpans.newTraceId();
    write(ACME, zipkinSpan(acmeOnly, "00000000000000a1", null, "acme.secret", "acme-svc"));
    write(GLOBEX, zipkinSpan(globexOnly, "00000000000000b1", null, "globex.secret", "globex-svc"));
    // The same trace id in both tenants; globex also posts acme's span id with content of its own.
    write(ACME, zipkinSpan(shared, "00000000000000c1", null, "acme.shared", "acme-svc"),
        zipkinSpan(shared, "00000000000000c2", "00000000000000c1", "acme.child", "acme-svc"));
    awaitStored(acmeOnly, ACME);
    awaitStored(shared, ACME);
    write(GLOBEX, zipkinSpan(shared, "00000000000000c2", null, "globex.forged", "globex-svc"));
    awaitStored(globexOnly, GLOBEX);
    awaitStored(shared, GLOBEX);
  }

  static void awaitStored(String traceId, String token) {
    Await.until("trace " + traceId + " stored", Duration.ofSeconds(30),
        () -> get("/api/traces/" + traceId, bearer(token)), r -> r.statusCode() == 200);
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  /** HTTP Basic with the token as the password, as Grafana's data sources send it. */
  static String basic(String token) {
    return "Basic " + Base64.getEncoder().encodeToString(("grafana:" + token).getBytes(StandardCharsets.UTF_8));
  }

  static HttpResponse<String> get(String path, String authorization, String... more) {
    List<String> headers = new ArrayList<>(List.of("User-Agent", "Grafana/12.0.1"));
    if (authorization != null) {
      headers.addAll(List.of("Authorization", authorization));
    }
    headers.addAll(List.of(more));
    return http.get(path, headers.toArray(String[]::new));
  }

  static String body(String path, String authorization, String... more) {
    HttpResponse<String> r = get(path, authorization, more);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }

  /** Every read path, with the trace ids of the stored traces filled in. */
  static List<String> readPaths() {
    return List.of("/api/traces/" + acmeOnly, "/api/traces", "/api/traces?tenant_id=acme",
        "/zipkin/api/v2/services", "/zipkin/api/v2/spans?serviceName=acme-svc",
        "/zipkin/api/v2/traces?serviceName=acme-svc", "/zipkin/api/v2/traces", "/zipkin/api/v2/trace/" + acmeOnly,
        "/zipkin/api/v2/remoteServices?serviceName=acme-svc", "/zipkin/api/v2/autocompleteKeys",
        "/zipkin/api/v2/autocompleteValues?key=x", "/tempo/api/traces/" + acmeOnly, "/tempo/api/v2/traces/" + acmeOnly);
  }

  @Test
  void withoutATokenEveryReadIs401AndAWriteOnlyTokenGets403() {
    for (String path : readPaths()) {
      HttpResponse<String> none = get(path, null);
      assertEquals(401, none.statusCode(), path);
      assertFalse(none.body().contains("acme.secret"), path);
      assertEquals(401, get(path, bearer("not-a-token")).statusCode(), path);
      HttpResponse<String> writer = get(path, bearer(ACME_WRITER));
      assertEquals(403, writer.statusCode(), path);
      assertFalse(writer.body().contains("acme.secret"), path);
    }
  }

  @Test
  void nativeReadsSeeOnlyTheCallersTenant() {
    assertEquals(200, get("/api/traces/" + acmeOnly, bearer(ACME)).statusCode());
    HttpResponse<String> foreign = get("/api/traces/" + globexOnly, bearer(ACME));
    assertEquals(404, foreign.statusCode(), "another tenant's trace does not exist for the caller");
    assertFalse(foreign.body().contains("globex.secret"));
    assertEquals(404, get("/api/traces/" + acmeOnly + "?tenant_id=globex", bearer(ACME)).statusCode());

    // The shared id: each tenant sees its own trace, untouched by the other's span with the same id.
    JsonObject acmeShared = new JsonObject(body("/api/traces/" + shared, bearer(ACME)));
    assertEquals("acme", acmeShared.getString("tenant_id"));
    assertEquals(2, acmeShared.getInteger("span_count"));
    assertEquals("complete", acmeShared.getString("verdict"));
    assertEquals("acme.child", acmeShared.getJsonObject("root").getJsonArray("children").getJsonObject(0)
        .getString("span_name"));
    assertFalse(acmeShared.encode().contains("globex"), acmeShared.encode());
    assertFalse(acmeShared.containsKey("other_tenants"), "a tenant is not told that others use the id");
    JsonObject globexShared = new JsonObject(body("/api/traces/" + shared, bearer(GLOBEX)));
    assertEquals(1, globexShared.getInteger("span_count"));
    assertFalse(globexShared.encode().contains("acme"), globexShared.encode());

    // Searches: only the caller's traces, whatever tenant_id asks for.
    assertEquals(List.of("acme"), tenants(body("/api/traces?limit=100", bearer(ACME))));
    assertTrue(traceIds(body("/api/traces?limit=100", bearer(ACME))).containsAll(List.of(acmeOnly, shared)));
    assertEquals(List.of(), tenants(body("/api/traces?tenant_id=globex", bearer(ACME))));
    assertEquals(List.of(), tenants(body("/api/traces?span_name=globex.secret", bearer(ACME))));
    assertEquals(List.of(), tenants(body("/api/traces?service=globex-svc", bearer(ACME))));
    assertEquals(List.of("acme"), tenants(body("/api/traces?service=acme-svc", bearer(ACME))));

    // A cursor is a position, not a permission: acme's cursor shown to globex lists globex's traces only.
    JsonObject page = new JsonObject(body("/api/traces?limit=1", bearer(ACME)));
    String cursor = page.getString("next_cursor");
    assertNotNull(cursor);
    List<String> seen = tenants(body("/api/traces?limit=100&cursor=" + cursor, bearer(GLOBEX)));
    assertFalse(seen.contains("acme"), seen.toString());
  }

  @Test
  void zipkinAndTempoReadsSeeOnlyTheCallersTenantAsGrafanaAsksWithBasicAuth() {
    String services = body("/zipkin/api/v2/services", basic(ACME));
    assertTrue(services.contains("acme-svc") && !services.contains("globex-svc"), services);
    assertEquals("[]", body("/zipkin/api/v2/spans?serviceName=globex-svc", basic(ACME)));
    assertTrue(body("/zipkin/api/v2/spans?serviceName=acme-svc", basic(ACME)).contains("acme.secret"));
    assertEquals("[]", body("/zipkin/api/v2/traces?serviceName=globex-svc&limit=10", basic(ACME)));
    String all = body("/zipkin/api/v2/traces?limit=100", basic(ACME));
    assertTrue(all.contains("acme.secret") && !all.contains("globex"), all);
    assertEquals(404, get("/zipkin/api/v2/trace/" + globexOnly, basic(ACME)).statusCode());
    String sharedSpans = body("/zipkin/api/v2/trace/" + shared, basic(ACME));
    assertTrue(sharedSpans.contains("acme.child") && !sharedSpans.contains("globex"), sharedSpans);

    assertEquals(404, get("/tempo/api/traces/" + globexOnly, basic(ACME), "Accept", "application/protobuf")
        .statusCode());
    assertEquals(404, get("/tempo/api/v2/traces/" + globexOnly, basic(ACME)).statusCode());
    String tempo = body("/tempo/api/v2/traces/" + shared, basic(ACME));
    assertTrue(tempo.contains("acme.child") && !tempo.contains("globex"), tempo);
    String globexTempo = body("/tempo/api/traces/" + shared, basic(GLOBEX));
    assertTrue(globexTempo.contains("globex.forged") && !globexTempo.contains("acme"), globexTempo);
  }

  @Test
  void theTokenOfEveryTenantReadsAllOrTheTenantXScopeOrgIdNames() {
    List<String> everyone = tenants(body("/api/traces?limit=100", bearer(ADMIN)));
    assertTrue(everyone.containsAll(List.of("acme", "globex")), everyone.toString());
    assertEquals(List.of("globex"), tenants(body("/api/traces?limit=100", bearer(ADMIN), "X-Scope-OrgID", "globex")));
    // By id without a tenant: the id's largest trace, and the other tenants that use the id.
    JsonObject any = new JsonObject(body("/api/traces/" + shared, bearer(ADMIN)));
    assertEquals("acme", any.getString("tenant_id"));
    assertEquals(new JsonArray().add("globex"), any.getJsonArray("other_tenants"));
    assertEquals("globex", new JsonObject(body("/api/traces/" + shared + "?tenant_id=globex", bearer(ADMIN)))
        .getString("tenant_id"));
    assertEquals("globex", new JsonObject(body("/api/traces/" + shared, bearer(ADMIN), "X-Scope-OrgID", "globex"))
        .getString("tenant_id"));
    assertEquals(404, get("/api/traces/" + acmeOnly, bearer(ADMIN), "X-Scope-OrgID", "globex").statusCode());
    String services = body("/zipkin/api/v2/services", basic(ADMIN));
    assertTrue(services.contains("acme-svc") && services.contains("globex-svc"), services);
  }

  static List<String> tenants(String searchBody) {
    List<String> out = new ArrayList<>();
    for (Object t : new JsonObject(searchBody).getJsonArray("traces")) {
      String tenant = ((JsonObject) t).getString("tenant_id");
      if (!out.contains(tenant)) {
        out.add(tenant);
      }
    }
    return out;
  }

  static List<String> traceIds(String searchBody) {
    List<String> out = new ArrayList<>();
    for (Object t : new JsonObject(searchBody).getJsonArray("traces")) {
      out.add(((JsonObject) t).getString("trace_id"));
    }
    return out;
  }
}
