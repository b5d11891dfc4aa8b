package dev.swarm.tracer;

/**
 * The pipeline accepts ids (ticket, agent) of 1 to 64 characters of {@code [0-9A-Za-z._:-]}, tenant ids of 1 to
 * 150 characters of {@code [A-Za-z0-9._-]} other than {@code .} and {@code ..}, and rejects a whole request when
 * one span breaks its rule, so the tracer repairs ids before they leave the process.
 */
public final class PipelineIds {
  public static final int MAX_LENGTH = 64;
  public static final int MAX_TENANT_LENGTH = 150;

  private PipelineIds() {}

  /** True when the pipeline accepts {@code id} as is. */
  public static boolean isValid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      if (!allowed(id.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code id} made acceptable: other characters become {@code _}, the result is cut to 64 characters; null or
   * blank gives null (the field is then omitted).
   */
  public static String sanitise(String id) {
    if (id == null || id.isBlank()) {
      return null;
    }
    if (isValid(id)) {
      return id;
    }
    String trimmed = id.strip();
    int length = Math.min(trimmed.length(), MAX_LENGTH);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      char c = trimmed.charAt(i);
      out.append(allowed(c) ? c : '_');
    }
    return out.toString();
  }

  /**
   * {@code tenant} made acceptable: other characters (':' included) become {@code _}, cut to 150 characters,
   * {@code .} and {@code ..} become underscores; null or blank gives null.
   */
  public static String sanitiseTenant(String tenant) {
    if (tenant == null || tenant.isBlank()) {
      return null;
    }
    String trimmed = tenant.strip();
    int length = Math.min(trimmed.length(), MAX_TENANT_LENGTH);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      char c = trimmed.charAt(i);
      out.append(c != ':' && allowed(c) ? c : '_');
    }
    String s = out.toString();
    return s.equals(".") || s.equals("..") ? "_".repeat(s.length()) : s;
  }

  private static boolean allowed(char c) {
    return (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '.'
        || c == '_'
        || c == ':'
        || c == '-';
  }
}
