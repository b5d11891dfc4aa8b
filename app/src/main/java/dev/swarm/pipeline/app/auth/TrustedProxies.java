package dev.swarm.pipeline.app.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP_TRUSTED_PROXIES: the proxies whose {@code X-Forwarded-For} is believed, as IP literals and CIDR ranges (IPv4
 * and IPv6). Host names are refused, never resolved: a lookup would make the check depend on DNS and slow every start.
 *
 * <p>{@link #clientAddress} finds the client of a request: when the TCP peer is a trusted proxy, the entries of
 * {@code X-Forwarded-For} are walked from the right (the hop nearest to us first), skipping trusted proxies; the first
 * untrusted entry is the client. An entry that is not an IP literal ends the walk at the last trusted hop, because
 * whatever is left of it may have been written by anyone. A peer that is not trusted is the client, whatever its
 * header says, so a client cannot choose its own address. The work per request is bounded: the last
 * {@value #MAX_HEADER_CHARS} characters of the header and its last {@value #MAX_HOPS} entries at most.
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustedProxies {
  /** Trusts no one: the TCP peer is the client (the default). */
  public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");
  static final int MAX_HOPS = 20;
  static final int MAX_HEADER_CHARS = 4096;
  /** Entries of the setting at most: each hop is compared with each range. */
  static final int MAX_RANGES = 256;

  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false; // IPv4 against an IPv6 range or the reverse (IPv4-mapped IPv6 is unmapped when parsed)
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Range> ranges;
  private final String spec;

  private TrustedProxies(List<Range> ranges, String spec) {
    this.ranges = ranges;
    this.spec = spec;
  }

  /**
   * Parses a comma-separated list of IP literals ({@code 10.0.0.5}, {@code 2001:db8::1}) and CIDR ranges
   * ({@code 10.0.0.0/8}, {@code fd00::/8}); blank entries are skipped. Bits past the prefix are ignored, as most
   * tools do ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}).
   *
   * @throws IllegalArgumentException naming the first entry that is not one, e.g. a host name
   */
  public static TrustedProxies parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return NONE;
    }
    List<Range> ranges = new ArrayList<>();
    List<String> entries = new ArrayList<>();
    for (String raw : spec.split(",", -1)) {
      String entry = raw.trim();
      if (entry.isEmpty()) {
        continue;
      }
      if (ranges.size() == MAX_RANGES) {
        throw new IllegalArgumentException("more than " + MAX_RANGES + " entries; use CIDR ranges");
      }
      int slash = entry.indexOf('/');
      String host = slash < 0 ? entry : entry.substring(0, slash);
      byte[] address = parseAddress(host);
      if (address == null) {
        throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range"
            + (looksLikeName(host) ? " (host names are not resolved: give the proxy's address or network)" : ""));
      }
      int bits = address.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        String len = entry.substring(slash + 1);
        prefix = len.matches("\\d{1,3}") ? Integer.parseInt(len) : -1;
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException("'" + entry + "': the prefix length must be a number from 0 to " + bits
              + " for an " + (bits == 32 ? "IPv4" : "IPv6") + " address");
        }
      }
      ranges.add(new Range(address, prefix));
      entries.add(entry);
    }
    return ranges.isEmpty() ? NONE : new TrustedProxies(List.copyOf(ranges), String.join(",", entries));
  }

  private static boolean looksLikeName(String host) {
    return !host.isEmpty() && host.chars().anyMatch(Character::isLetter) && host.indexOf(':') < 0;
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** Whether the address (an IP literal) is a trusted proxy; anything else is not. */
  public boolean trusts(String address) {
    byte[] a = address == null ? null : parseAddress(address.trim());
    return a != null && trusts(a);
  }

  private boolean trusts(byte[] address) {
    for (Range r : ranges) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client of a request.
   *
   * @param peer the TCP peer's address (an IP literal; anything else is returned as it is)
   * @param xffHeaderValues every {@code X-Forwarded-For} header of the request, in order (null or empty: none)
   * @return the client's address, IP literals in canonical form ({@code 2001:db8::1}, IPv4-mapped IPv6 as IPv4), so
   *     one client has one key however its address was spelled
   */
  public String clientAddress(String peer, List<String> xffHeaderValues) {
    byte[] peerAddress = peer == null ? null : parseAddress(peer);
    if (peerAddress == null) {
      return peer;
    }
    if (ranges.isEmpty() || xffHeaderValues == null || xffHeaderValues.isEmpty() || !trusts(peerAddress)) {
      return format(peerAddress); // an untrusted peer's header is never read
    }
    byte[] current = peerAddress; // the last trusted hop so far
    // One character past the bound tells whether the header was cut.
    String tail = lastChars(xffHeaderValues, MAX_HEADER_CHARS + 1);
    boolean cut = tail.length() > MAX_HEADER_CHARS;
    if (cut) {
      tail = tail.substring(1);
    }
    int end = tail.length();
    int hops = 0;
    while (end > 0 && hops < MAX_HOPS) {
      int comma = tail.lastIndexOf(',', end - 1);
      if (comma < 0 && cut) {
        break; // the leftmost entry was cut by the bound: "9.0.0.1" may be the end of "129.0.0.1"
      }
      String entry = tail.substring(comma + 1, end).trim();
      end = Math.max(comma, 0);
      hops++;
      byte[] hop = parseAddress(entry);
      if (hop == null) {
        break; // garbage (or an empty entry): nothing left of it is trusted
      }
      if (!trusts(hop)) {
        return format(hop);
      }
      current = hop;
    }
    return format(current);
  }

  /**
   * The header's values joined with commas, as one header would be (RFC 9110), keeping only the last {@code max}
   * characters (the hops nearest to us). Work bounded by {@code max}, however many values there are.
   */
  private static String lastChars(List<String> values, int max) {
    StringBuilder reversed = new StringBuilder();
    for (int i = values.size() - 1; i >= 0 && reversed.length() < max; i--) {
      String v = values.get(i);
      if (v == null) {
        continue;
      }
      if (reversed.length() > 0) {
        reversed.append(',');
      }
      for (int j = v.length() - 1; j >= 0 && reversed.length() < max; j--) {
        reversed.append(v.charAt(j));
      }
    }
    return reversed.reverse().toString();
  }

  /** An IPv4 or IPv6 literal as 4 or 16 bytes (IPv4-mapped IPv6 as 4), or null; never a DNS lookup. */
  static byte[] parseAddress(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return null;
    }
    if (s.indexOf(':') < 0) {
      return parseIpv4(s);
    }
    byte[] v6 = parseIpv6(s);
    if (v6 == null) {
      return null;
    }
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= v6[i] == 0;
    }
    if (mapped && v6[10] == (byte) 0xff && v6[11] == (byte) 0xff) {
      return new byte[] {v6[12], v6[13], v6[14], v6[15]};
    }
    return v6;
  }

  /** Four decimal numbers 0–255 (1–3 digits each) and nothing else: no shorthand forms like {@code 127.1}. */
  private static byte[] parseIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** Eight groups of 1–4 hex digits, one {@code ::} for a run of zeros, an IPv4 tail allowed; no zone ({@code %}). */
  private static byte[] parseIpv6(String s) {
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    List<Integer> head = groups(gap < 0 ? s : s.substring(0, gap), gap < 0);
    List<Integer> tail = groups(gap < 0 ? "" : s.substring(gap + 2), true);
    if (head == null || tail == null || (gap < 0 ? head.size() != 8 : head.size() + tail.size() > 7)) {
      return null;
    }
    byte[] out = new byte[16];
    for (int i = 0; i < head.size(); i++) {
      out[2 * i] = (byte) (head.get(i) >>> 8);
      out[2 * i + 1] = (byte) (int) head.get(i);
    }
    for (int i = 0, at = 8 - tail.size(); i < tail.size(); i++, at++) {
      out[2 * at] = (byte) (tail.get(i) >>> 8);
      out[2 * at + 1] = (byte) (int) tail.get(i);
    }
    return out;
  }

  /** 16-bit groups; an IPv4 tail (allowed as the last part when ipv4Last) counts as two groups. */
  private static List<Integer> groups(String s, boolean ipv4Last) {
    List<Integer> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    String[] parts = s.split(":", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (ipv4Last && i == parts.length - 1 && p.indexOf('.') >= 0) {
        byte[] v4 = parseIpv4(p);
        if (v4 == null) {
          return null;
        }
        out.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
        out.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
        continue;
      }
      if (p.isEmpty() || p.length() > 4) {
        return null;
      }
      if (!p.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return null; // ASCII only: Character.digit would take other scripts' digits
      }
      out.add(Integer.parseInt(p, 16));
    }
    return out;
  }

  /** Dotted IPv4, or IPv6 in the RFC 5952 form: lower case, the longest run of two or more zero groups as {@code ::}. */
  static String format(byte[] a) {
    if (a.length == 4) {
      return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return ranges.isEmpty() ? "none" : spec;
  }
}
