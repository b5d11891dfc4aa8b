package dev.swarm.pipeline.app.auth;

import java.nio.charset.StandardCharsets;

/** The rule for tenant ids: at most 150 bytes of {@code [A-Za-z0-9._-]}, never {@code .} or {@code ..}. */
public final class TenantIds {
  private TenantIds() {}

  public static final int MAX_BYTES = 150;

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
