package dev.swarm.pipeline.app.auth;

import dev.swarm.pipeline.schema.TenantIds;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The contents of {@code AUTH_TOKENS_FILE}: tokens (only their SHA-256 is stored) with a tenant and scopes, and
 * per-tenant ingest limits.
 *
 * <pre>
 * {"tokens": [{"sha256": "&lt;64 hex&gt;", "tenant": "acme", "scopes": ["write", "read"]},
 *             {"sha256": "&lt;64 hex&gt;", "tenant": "*", "scopes": ["write", "read", "admin"]}],
 *  "tenants": {"acme": {"ingest_spans_per_second": 5000, "ingest_burst_spans": 20000}}}
 * </pre>
 *
 * @param tenants limits per tenant; a field left out (null) inherits the default
 */
public record TokenFile(List<Token> tokens, Map<String, TenantLimits> tenants) {

  /** One token: the hex SHA-256 of its text, its tenant ({@link TenantIds#ANY} for every tenant), its scopes. */
  public record Token(String sha256, String tenant, Set<Scope> scopes) {}

  /** A tenant's ingest limits; null fields inherit {@code TENANT_INGEST_*}. */
  public record TenantLimits(Long spansPerSecond, Long burstSpans) {}

  private static final HexFormat HEX = HexFormat.of();

  /** An empty file: no token, no tenant. */
  public static TokenFile empty() {
    return new TokenFile(List.of(), Map.of());
  }

  /**
   * Parses and validates the file's text.
   *
   * @throws IllegalArgumentException naming every problem, as {@code tokens[1].sha256: must be 64 hex digits}
   */
  public static TokenFile parse(String text) {
    JsonObject root;
    try {
      root = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException("not a JSON object: " + withoutSource(e));
    }
    List<String> problems = new ArrayList<>();
    for (String field : root.fieldNames()) {
      if (!field.equals("tokens") && !field.equals("tenants")) {
        problems.add(field + ": unknown field (known: tokens, tenants)");
      }
    }
    List<Token> tokens = new ArrayList<>();
    Object tokenList = root.getValue("tokens");
    if (tokenList != null && !(tokenList instanceof JsonArray)) {
      problems.add("tokens: must be an array");
    } else if (tokenList != null) {
      JsonArray array = (JsonArray) tokenList;
      Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < array.size(); i++) {
        String at = "tokens[" + i + "]";
        if (!(array.getValue(i) instanceof JsonObject t)) {
          problems.add(at + ": must be an object");
          continue;
        }
        Token token = token(t, at, problems);
        if (token != null && !seen.add(token.sha256())) {
          problems.add(at + ".sha256: the same token is listed twice");
        } else if (token != null) {
          tokens.add(token);
        }
      }
    }
    Map<String, TenantLimits> tenants = new LinkedHashMap<>();
    Object tenantMap = root.getValue("tenants");
    if (tenantMap != null && !(tenantMap instanceof JsonObject)) {
      problems.add("tenants: must be an object");
    } else if (tenantMap != null) {
      for (Map.Entry<String, Object> e : (JsonObject) tenantMap) {
        String at = "tenants." + e.getKey();
        String bad = TenantIds.problem(e.getKey());
        if (bad != null) {
          problems.add(at + ": tenant id " + bad);
        } else if (!(e.getValue() instanceof JsonObject limits)) {
          problems.add(at + ": must be an object");
        } else {
          tenants.put(e.getKey(), limits(limits, at, problems));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new TokenFile(List.copyOf(tokens), Map.copyOf(tenants));
  }

  private static Token token(JsonObject t, String at, List<String> problems) {
    int before = problems.size();
    for (String field : t.fieldNames()) {
      if (!Set.of("sha256", "tenant", "scopes").contains(field)) {
        problems.add(at + "." + field + ": unknown field (known: sha256, tenant, scopes)");
      }
    }
    Object hash = t.getValue("sha256");
    if (!(hash instanceof String h) || !h.matches("[0-9a-fA-F]{64}")) {
      problems.add(at + ".sha256: must be 64 hex digits (the SHA-256 of the token, never the token itself)");
    }
    Object tenant = t.getValue("tenant");
    if (!(tenant instanceof String tn)) {
      problems.add(at + ".tenant: must be a string (a tenant id, or \"*\" for every tenant)");
    } else if (!tn.equals(TenantIds.ANY) && TenantIds.problem(tn) != null) {
      problems.add(at + ".tenant: tenant id " + TenantIds.problem(tn));
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    Object list = t.getValue("scopes");
    if (!(list instanceof JsonArray a) || a.isEmpty()) {
      problems.add(at + ".scopes: must be a non-empty array of write, read, admin");
    } else {
      for (Object s : a) {
        Scope scope = s instanceof String text ? Scope.fromWire(text) : null;
        if (scope == null) {
          problems.add(at + ".scopes: unknown scope " + s + " (known: write, read, admin)");
        } else {
          scopes.add(scope);
        }
      }
    }
    if (scopes.contains(Scope.ADMIN) && !TenantIds.ANY.equals(tenant)) {
      problems.add(at + ".scopes: admin needs tenant \"*\"");
    }
    if (TenantIds.ANY.equals(tenant) && !scopes.isEmpty() && !scopes.contains(Scope.ADMIN)) {
      problems.add(at + ".tenant: \"*\" (every tenant) needs the admin scope");
    }
    if (problems.size() > before) {
      return null;
    }
    return new Token(((String) hash).toLowerCase(java.util.Locale.ROOT), (String) tenant, Set.copyOf(scopes));
  }

  /**
   * What is wrong with the JSON and where, without the parser's quote of the text around it: the file may hold a
   * token pasted where its hash belongs, and this message is logged.
   */
  static String withoutSource(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
        com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
        String message = String.valueOf(j.getOriginalMessage());
        int quote = message.indexOf('\n');
        message = (quote < 0 ? message : message.substring(0, quote)).replaceAll("'[^']*'", "'…'")
            .replaceAll("\"[^\"]*\"", "\"…\"");
        return at == null ? message : message + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      }
    }
    return e instanceof ClassCastException ? "the top level is not an object" : "unreadable";
  }

  private static TenantLimits limits(JsonObject l, String at, List<String> problems) {
    for (String field : l.fieldNames()) {
      if (!Set.of("ingest_spans_per_second", "ingest_burst_spans").contains(field)) {
        problems.add(at + "." + field + ": unknown field (known: ingest_spans_per_second, ingest_burst_spans)");
      }
    }
    return new TenantLimits(positive(l, "ingest_spans_per_second", at, problems),
        positive(l, "ingest_burst_spans", at, problems));
  }

  private static Long positive(JsonObject o, String field, String at, List<String> problems) {
    Object v = o.getValue(field);
    if (v == null) {
      return null;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() > 0) {
      return n.longValue();
    }
    problems.add(at + "." + field + ": must be a positive whole number");
    return null;
  }

  /** The token whose text is {@code presented}, or null; every stored hash is compared, in constant time each. */
  public Token find(String presented) {
    byte[] hash = sha256(presented);
    Token found = null;
    for (Token t : tokens) {
      if (MessageDigest.isEqual(hash, HEX.parseHex(t.sha256()))) {
        found = t;
      }
    }
    return found;
  }

  /** The file's JSON text with one more token. */
  public String withToken(Token token) {
    JsonArray list = new JsonArray();
    for (Token t : tokens) {
      list.add(json(t));
    }
    list.add(json(token));
    JsonObject tenantsJson = new JsonObject();
    tenants.forEach((id, l) -> {
      JsonObject o = new JsonObject();
      if (l.spansPerSecond() != null) {
        o.put("ingest_spans_per_second", l.spansPerSecond());
      }
      if (l.burstSpans() != null) {
        o.put("ingest_burst_spans", l.burstSpans());
      }
      tenantsJson.put(id, o);
    });
    return new JsonObject().put("tokens", list).put("tenants", tenantsJson).encodePrettily() + "\n";
  }

  private static JsonObject json(Token t) {
    JsonArray scopes = new JsonArray();
    for (Scope s : Scope.values()) {
      if (t.scopes().contains(s)) {
        scopes.add(s.wire());
      }
    }
    return new JsonObject().put("sha256", t.sha256()).put("tenant", t.tenant()).put("scopes", scopes);
  }

  /** SHA-256 of the token's UTF-8 text. */
  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** Hex SHA-256 of the token, as the file stores it. */
  public static String sha256Hex(String token) {
    return HEX.formatHex(sha256(token));
  }
}
