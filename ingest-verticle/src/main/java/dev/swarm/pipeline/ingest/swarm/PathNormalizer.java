package dev.swarm.pipeline.ingest.swarm;

import java.util.regex.Pattern;

/**
 * Turns an {@code http.request} span's {@code path} into a bounded label value: route templates
 * ({@code /api/tickets/:id}, {@code /api/{id}}) stay as they are; raw paths get every id-looking segment
 * replaced by {@code :id}, so {@code /api/tickets/TCK-1234/run} and {@code /api/tickets/TCK-99/run} become one
 * series. The query string and fragment are dropped. Pure and thread-safe.
 */
public final class PathNormalizer {
  public static final String ID = ":id";
  /** Paths with more segments keep the first ones and end in {@code /…}: deep paths are rarely templates. */
  static final int MAX_SEGMENTS = 8;

  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  /** Hashes, trace and span ids, commit shas. */
  private static final Pattern LONG_HEX = Pattern.compile("[0-9a-fA-F]{8,}");
  /** A word, a separator and a hex/number tail: {@code TCK-1234}, {@code vm-3fa2b1c0}, {@code agent_03}. */
  private static final Pattern PREFIXED_ID = Pattern.compile("[A-Za-z]{1,16}[-_.:]?[0-9a-fA-F]*\\d[0-9a-fA-F]*");

  private PathNormalizer() {}

  public static String normalize(String path) {
    if (path == null || path.isBlank()) {
      return LabelLimiter.UNKNOWN;
    }
    int cut = indexOfAny(path, '?', '#');
    if (cut >= 0) {
      path = path.substring(0, cut);
    }
    if (!path.startsWith("/")) {
      // Not a path ("unmatched" for 404s, or some other marker): keep it, the label limiter bounds it.
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    int segments = 0;
    int start = 1;
    while (start <= path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      if (++segments > MAX_SEGMENTS) {
        out.append("/…");
        break;
      }
      String segment = path.substring(start, end);
      out.append('/').append(isId(segment) ? ID : segment);
      start = end + 1;
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  static boolean isId(String segment) {
    if (segment.isEmpty() || segment.charAt(0) == ':' || segment.charAt(0) == '{' || segment.charAt(0) == '*') {
      return false; // a route template's parameter, or nothing
    }
    if (NUMBER.matcher(segment).matches() || UUID.matcher(segment).matches()) {
      return true;
    }
    if (LONG_HEX.matcher(segment).matches() && hasDigit(segment)) {
      return true;
    }
    if (segment.length() >= 20 && hasDigit(segment)) {
      return true; // tokens, base64 ids
    }
    // "v1", "v2", "oauth2": short version-like words stay; TCK-1234, vm-3fa2b1c0, agent-03 go.
    return PREFIXED_ID.matcher(segment).matches() && (hasSeparator(segment) || segment.length() >= 8) && !isVersion(segment);
  }

  private static boolean isVersion(String segment) {
    return segment.length() <= 4 && (segment.charAt(0) == 'v' || segment.charAt(0) == 'V');
  }

  private static boolean hasDigit(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isDigit(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasSeparator(String s) {
    return s.indexOf('-') >= 0 || s.indexOf('_') >= 0 || s.indexOf('.') >= 0 || s.indexOf(':') >= 0;
  }

  private static int indexOfAny(String s, char a, char b) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == a || c == b) {
        return i;
      }
    }
    return -1;
  }
}
