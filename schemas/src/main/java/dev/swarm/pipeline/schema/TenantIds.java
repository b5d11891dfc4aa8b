package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;

/**
 * The rule for tenant ids, wherever one appears: a span's {@code tenant_id} (native, OTLP {@code tenant.id}, Zipkin
 * tag), a token's tenant, {@code X-Scope-OrgID}, {@code ?tenant_id=}. At most 150 bytes of {@code [A-Za-z0-9._-]},
 * never {@code .} or {@code ..}: safe as a file or directory name and in a URL, unlike the other ids, which also
 * allow {@code :}.
 */
public final class TenantIds {
  private TenantIds() {}

  public static final int MAX_BYTES = 150;

  /** The same rule as a regular expression (span.schema.json adds {@code not: [".", ".."]}). */
  public static final String PATTERN = "^[A-Za-z0-9._-]{1,150}$";

  /** The tenant of an admin token: every tenant. */
  public static final String ANY = "*";

  /** Null when {@code id} is a valid tenant id, else what is wrong with it. */
  public static String problem(String id) {
    if (id == null || id.isEmpty()) {
      return "must not be empty";
    }
    if (id.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "longer than " + MAX_BYTES + " bytes";
    }
    if (id.equals(".") || id.equals("..")) {
      return "must not be '.' or '..'";
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) {
        return "may hold only letters, digits, '.', '_' and '-'";
      }
    }
    return null;
  }
}
