package dev.swarm.pipeline.storage.postgres;

import java.nio.charset.StandardCharsets;

/**
 * What PostgreSQL cannot hold or read of the text the span contract accepts, and the writer's way round it.
 *
 * <ul>
 *   <li>A {@code text} value cannot hold U+0000 (SQLState 22021), and the contract accepts it in a span name (the
 *       <code>&#92;u0000</code> escape decodes to it). Free text bound to a text column goes through {@link #text}.
 *   <li>Every JSON function of PostgreSQL ({@code ->}, {@code ->>}, {@code json_array_elements}, casts to jsonb) on
 *       {@code json} first decodes the whole document's escapes, and fails on an escaped NUL (<code>&#92;u0000</code>, 22P05)
 *       or an unpaired surrogate (<code>&#92;uD800</code>, 22P02) anywhere in it, though the {@code json} type stores such a
 *       document as sent. {@link #queryableJson} gives a copy those functions can read.
 *   <li>A B-tree entry may not exceed 2,704 bytes (an 8 KiB page's third): key text of unbounded length (a
 *       {@code service.name} attribute) goes through {@link #key}.
 * </ul>
 */
final class PostgresText {

  /** UTF-8 bytes kept of a service or span name in the service index's keys. */
  static final int MAX_KEY_BYTES = 1024;

  private static final char REPLACEMENT = '\uFFFD';

  private PostgresText() {}

  /**
   * {@code s} with U+0000 and unpaired surrogates replaced by U+FFFD (the same instance when it has none); null
   * stays null.
   */
  static String text(String s) {
    if (s == null) {
      return null;
    }
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++; // a pair
      } else if (c == 0 || Character.isSurrogate(c)) {
        return replaceUnstorable(s, i);
      }
    }
    return s;
  }

  private static String replaceUnstorable(String s, int from) {
    StringBuilder sb = new StringBuilder(s.length()).append(s, 0, from);
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        sb.append(REPLACEMENT);
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append(REPLACEMENT);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** {@link #text} of {@code s}, cut to at most {@link #MAX_KEY_BYTES} UTF-8 bytes at a code point boundary. */
  static String key(String s) {
    String t = text(s);
    if (t == null || t.length() * 3L <= MAX_KEY_BYTES) {
      return t; // at most 3 UTF-8 bytes per UTF-16 unit
    }
    int bytes = 0;
    int i = 0;
    while (i < t.length()) {
      int cp = t.codePointAt(i);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > MAX_KEY_BYTES) {
        break;
      }
      bytes += size;
      i += Character.charCount(cp);
    }
    return i == t.length() ? t : t.substring(0, i);
  }

  /** UTF-8 length, for tests and sizes. */
  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Null when PostgreSQL's JSON functions can read {@code json} as it is (nearly always: the check is one
   * {@code indexOf} when the text holds no <code>&#92;u</code> escape); otherwise a copy with every escaped NUL and every
   * escaped unpaired surrogate replaced by <code>&#92;uFFFD</code>, the rest unchanged. {@code json} is compact JSON text as
   * the span contract keeps it (valid JSON; unpaired surrogates only as escapes).
   */
  static String queryableJson(String json) {
    int at = json.indexOf("\\u");
    if (at < 0) {
      return null;
    }
    StringBuilder out = null;
    int copied = 0;
    int i = 0; // from the start: the pair \\ before a u is no escape of u
    int n = json.length();
    while (i < n) {
      char c = json.charAt(i);
      if (c != '\\') {
        i++;
        continue;
      }
      if (i + 1 >= n || json.charAt(i + 1) != 'u') {
        i += 2; // \" \\ \/ \b \f \n \r \t: two characters
        continue;
      }
      int unit = hex4(json, i + 2);
      int length = 6;
      boolean bad;
      if (unit == 0) {
        bad = true;
      } else if (Character.isHighSurrogate((char) unit)) {
        boolean paired = i + 12 <= n && json.charAt(i + 6) == '\\' && json.charAt(i + 7) == 'u'
            && Character.isLowSurrogate((char) hex4(json, i + 8));
        bad = !paired;
        if (paired) {
          length = 12;
        }
      } else {
        bad = Character.isLowSurrogate((char) unit);
      }
      if (bad) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(json, copied, i).append("\\uFFFD");
        copied = i + length;
      }
      i += length;
    }
    if (out == null) {
      return null;
    }
    return out.append(json, copied, n).toString();
  }

  /** The code unit of the four hex digits at {@code from}, or -1 when they are not four hex digits. */
  private static int hex4(String s, int from) {
    if (from + 4 > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < from + 4; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }
}
