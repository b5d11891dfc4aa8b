package dev.swarm.pipeline.app.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TenantIds;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenFileTest {
  static final String ACME = "acme-token";
  static final String ADMIN = "admin-token";

  static String file() {
    return """
        {"tokens": [
           {"sha256": "%s", "tenant": "acme", "scopes": ["write"]},
           {"sha256": "%s", "tenant": "*", "scopes": ["write", "read", "admin"]}],
         "tenants": {"acme": {"ingest_spans_per_second": 5000, "ingest_burst_spans": 20000}, "globex": {}}}
        """.formatted(TokenFile.sha256Hex(ACME), TokenFile.sha256Hex(ADMIN).toUpperCase());
  }

  @Test
  void readsTokensAndTenantLimits() {
    TokenFile f = TokenFile.parse(file());
    assertEquals(2, f.tokens().size());
    assertEquals(new TokenFile.TenantLimits(5000L, 20000L), f.tenants().get("acme"));
    assertEquals(new TokenFile.TenantLimits(null, null), f.tenants().get("globex"), "unset limits inherit");
    TokenFile.Token acme = f.find(ACME);
    assertEquals("acme", acme.tenant());
    assertEquals(Set.of(Scope.WRITE), acme.scopes());
    assertEquals("*", f.find(ADMIN).tenant(), "upper-case hex is read");
    assertNull(f.find("not-a-token"));
    assertNull(f.find(TokenFile.sha256Hex(ACME)), "the hash itself is not a credential");
  }

  @Test
  void namesEveryProblem() {
    String bad = """
        {"tokens": [
           {"sha256": "abc", "tenant": "acme", "scopes": ["write"]},
           {"sha256": "%s", "tenant": "../etc", "scopes": ["write"]},
           {"sha256": "%s", "tenant": "acme", "scopes": ["fly"]},
           {"sha256": "%s", "tenant": "acme", "scopes": ["admin"]},
           {"sha256": "%s", "tenant": "acme", "scopes": ["read"], "token": "plain"},
           "x",
           {"sha256": "%s", "tenant": "*", "scopes": ["read"]}],
         "tenants": {"acme": {"ingest_spans_per_second": -1}, "a b": {}},
         "users": []}
        """.formatted(TokenFile.sha256Hex("1"), TokenFile.sha256Hex("2"), TokenFile.sha256Hex("3"),
        TokenFile.sha256Hex("4"), TokenFile.sha256Hex("5"));
    String message = assertThrows(IllegalArgumentException.class, () -> TokenFile.parse(bad)).getMessage();
    for (String expected : List.of("tokens[0].sha256: must be 64 hex digits", "tokens[1].tenant: tenant id",
        "tokens[2].scopes: unknown scope fly", "tokens[3].scopes: admin needs tenant \"*\"",
        "tokens[4].token: unknown field", "tokens[5]: must be an object",
        "tokens[6].tenant: \"*\" (every tenant) needs the admin scope",
        "tenants.acme.ingest_spans_per_second: must be a positive whole number", "tenants.a b: tenant id",
        "users: unknown field")) {
      assertTrue(message.contains(expected), expected + " in: " + message);
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TokenFile.parse("[")).getMessage()
        .startsWith("not a JSON object"));
    // The message is logged on a reload: it says where the JSON breaks, never quoting the text (a pasted token).
    String pasted = assertThrows(IllegalArgumentException.class,
        () -> TokenFile.parse("{\"tokens\": [{\"sha256\": s3cret-token-text}]}")).getMessage();
    assertTrue(pasted.startsWith("not a JSON object") && pasted.contains("line 1"), pasted);
    assertFalse(pasted.contains("s3cret"), pasted);
    String twice = """
        {"tokens": [{"sha256": "%1$s", "tenant": "a", "scopes": ["write"]},
                    {"sha256": "%1$s", "tenant": "b", "scopes": ["write"]}]}
        """.formatted(TokenFile.sha256Hex("same"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TokenFile.parse(twice)).getMessage()
        .contains("tokens[1].sha256: the same token is listed twice"));
  }

  /** A tenant's token may read: storage answers it with its own tenant's traces only. */
  @Test
  void aTenantsTokenMayHaveTheReadScope() {
    String tenantReader = """
        {"tokens": [{"sha256": "%s", "tenant": "acme", "scopes": ["write", "read"]}]}
        """.formatted(TokenFile.sha256Hex("r"));
    TokenFile f = TokenFile.parse(tenantReader);
    assertEquals(Set.of(Scope.WRITE, Scope.READ), f.find("r").scopes());
    assertEquals("acme", f.find("r").tenant());
  }

  @Test
  void aTokenAddedToTheFileReadsBackWithEverythingElseKept() {
    TokenFile f = TokenFile.parse(file());
    TokenFile more = TokenFile.parse(f.withToken(new TokenFile.Token(TokenFile.sha256Hex("new"), "globex",
        Set.of(Scope.WRITE))));
    assertEquals(3, more.tokens().size());
    assertEquals("globex", more.find("new").tenant());
    assertEquals(f.tenants(), more.tenants());
    assertEquals(f.find(ACME), more.find(ACME));
  }

  @Test
  void tenantIds() {
    for (String ok : List.of("acme", "A.b_c-9", "x".repeat(150))) {
      assertNull(TenantIds.problem(ok), ok);
    }
    for (String bad : List.of("", ".", "..", "a b", "a/b", "ä", "x".repeat(151), "*")) {
      assertTrue(TenantIds.problem(bad) != null, bad);
    }
    assertEquals(Map.of(), TokenFile.empty().tenants());
  }
}
