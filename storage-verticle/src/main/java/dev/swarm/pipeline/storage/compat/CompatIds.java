package dev.swarm.pipeline.storage.compat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Stored ids as Zipkin and Tempo readers need them. Zipkin readers (Grafana's among them) parse trace ids as up
 * to 32 hex digits and span ids as up to 16; OTLP/Tempo ids are 16 and 8 bytes. Hex ids (everything that came in
 * over OTLP, Zipkin or our tracer) are kept; any other id (possible over {@code /api/traces}) is replaced by the
 * first bytes of its SHA-256, the same for the span and for its children's parent references, so the tree stays
 * intact. A shared Zipkin server span ({@code <id>:server}) is {@code <id>} with {@code shared} for Zipkin.
 */
final class CompatIds {

  static final String SHARED_SUFFIX = dev.swarm.pipeline.schema.InteropAttributes.SHARED_SPAN_SUFFIX;
  private static final HexFormat HEX = HexFormat.of();

  private CompatIds() {}

  /** 1 to {@code maxDigits} hex digits (either case). */
  static boolean isHex(String s, int maxDigits) {
    int n = s.length();
    if (n == 0 || n > maxDigits) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  /** True for {@code <1-16 hex>:server}: the server half of a shared Zipkin span. */
  static boolean isSharedServer(String id) {
    return id.endsWith(SHARED_SUFFIX) && isHex(id.substring(0, id.length() - SHARED_SUFFIX.length()), 16);
  }

  /** True when Zipkin readers can take the stored trace id as it is. */
  static boolean isZipkinTraceId(String stored) {
    return isHex(stored, 32);
  }

  static String zipkinTraceId(String stored) {
    return isHex(stored, 32) ? stored.toLowerCase(Locale.ROOT) : HEX.formatHex(digest(stored), 0, 16);
  }

  /** The Zipkin id of a stored span id (a shared server span gets its client's id; see the class comment). */
  static String zipkinSpanId(String stored) {
    String id = isSharedServer(stored) ? stored.substring(0, stored.length() - SHARED_SUFFIX.length()) : stored;
    return isHex(id, 16) ? pad(id.toLowerCase(Locale.ROOT), 16) : HEX.formatHex(digest(stored), 0, 8);
  }

  /** True when the Zipkin output of this span id is not the stored id (kept then as tag {@code swarm.span_id}). */
  static boolean zipkinRenames(String stored) {
    return !isHex(stored, 16) && !isSharedServer(stored);
  }

  /** 16 bytes: a hex id left-padded with zeros, anything else hashed. */
  static byte[] traceIdBytes(String stored) {
    if (isHex(stored, 32)) {
      return HEX.parseHex(pad(stored, 32));
    }
    return java.util.Arrays.copyOf(digest(stored), 16);
  }

  /** 8 bytes: a hex id left-padded with zeros, anything else (a shared server half too) hashed. */
  static byte[] spanIdBytes(String stored) {
    if (isHex(stored, 16)) {
      return HEX.parseHex(pad(stored, 16));
    }
    return java.util.Arrays.copyOf(digest(stored), 8);
  }

  /**
   * Stored trace ids a requested id may mean: as given, lower-cased, upper-cased (the native API keeps an id as
   * sent, and Zipkin lists it lower-cased), zero-padded to 32 hex digits (how a 64-bit Zipkin id is stored), and a
   * 32-digit id with 16 leading zeros cut to 16 (as a reader may have shortened it).
   */
  static List<String> lookupCandidates(String requested) {
    List<String> out = new ArrayList<>(4);
    out.add(requested);
    if (isHex(requested, 32)) {
      String lower = requested.toLowerCase(Locale.ROOT);
      addOnce(out, lower);
      addOnce(out, lower.toUpperCase(Locale.ROOT));
      addOnce(out, pad(lower, 32));
      String trimmed = lower;
      while (trimmed.length() > 16 && trimmed.charAt(0) == '0') {
        trimmed = trimmed.substring(1);
      }
      if (trimmed.length() <= 16) {
        addOnce(out, pad(trimmed, 16));
      }
    }
    return out;
  }

  private static void addOnce(List<String> list, String s) {
    if (!list.contains(s)) {
      list.add(s);
    }
  }

  static String pad(String hex, int width) {
    return hex.length() >= width ? hex : "0".repeat(width - hex.length()) + hex;
  }

  private static byte[] digest(String id) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }
}
