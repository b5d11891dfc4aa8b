package dev.swarm.pipeline.app.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private static String client(TrustedProxies p, String peer, String... xff) {
    return p.clientAddress(peer, Arrays.asList(xff));
  }

  @Test
  void ipv4LiteralsAndRanges() {
    TrustedProxies p = TrustedProxies.parse(" 10.0.0.0/8 , 192.168.1.7,172.16.0.0/12");
    assertTrue(p.trusts("10.0.0.0"));
    assertTrue(p.trusts("10.255.255.255"));
    assertFalse(p.trusts("11.0.0.0"));
    assertFalse(p.trusts("9.255.255.255"));
    assertTrue(p.trusts("192.168.1.7"), "a literal is a /32");
    assertFalse(p.trusts("192.168.1.8"));
    assertTrue(p.trusts("172.31.255.255"));
    assertFalse(p.trusts("172.32.0.0"), "the /12 ends at 172.31");
    assertFalse(p.trusts("::ffff:11.0.0.1"));
    assertTrue(p.trusts("::ffff:10.1.2.3"), "IPv4-mapped IPv6 is the IPv4 address");
    assertFalse(p.trusts("not-an-address"));
    assertFalse(p.trusts(null));
  }

  @Test
  void prefixEdges() {
    TrustedProxies all4 = TrustedProxies.parse("0.0.0.0/0");
    assertTrue(all4.trusts("0.0.0.0"));
    assertTrue(all4.trusts("255.255.255.255"));
    assertFalse(all4.trusts("::1"), "an IPv4 range never matches IPv6");
    TrustedProxies one = TrustedProxies.parse("203.0.113.7/32");
    assertTrue(one.trusts("203.0.113.7"));
    assertFalse(one.trusts("203.0.113.6"));
    assertFalse(one.trusts("203.0.113.8"));
    TrustedProxies odd = TrustedProxies.parse("10.1.2.3/31"); // bits past the prefix are ignored
    assertTrue(odd.trusts("10.1.2.2"));
    assertTrue(odd.trusts("10.1.2.3"));
    assertFalse(odd.trusts("10.1.2.4"));
    TrustedProxies nineteen = TrustedProxies.parse("10.0.32.0/19");
    assertTrue(nineteen.trusts("10.0.63.255"));
    assertFalse(nineteen.trusts("10.0.64.0"));
    assertFalse(nineteen.trusts("10.0.31.255"));
  }

  @Test
  void ipv6LiteralsAndRanges() {
    TrustedProxies p = TrustedProxies.parse("2001:db8::/32,fd00::1,::1/128");
    assertTrue(p.trusts("2001:db8::"));
    assertTrue(p.trusts("2001:0DB8:ffff:ffff:ffff:ffff:ffff:ffff"));
    assertFalse(p.trusts("2001:db9::"));
    assertTrue(p.trusts("fd00:0:0:0:0:0:0:1"), "any spelling of the literal");
    assertFalse(p.trusts("fd00::2"));
    assertTrue(p.trusts("::1"));
    assertTrue(p.trusts("0:0:0:0:0:0:0:1"));
    assertFalse(p.trusts("::"));
    assertFalse(p.trusts("127.0.0.1"), "an IPv6 range never matches IPv4");
    TrustedProxies all6 = TrustedProxies.parse("::/0");
    assertTrue(all6.trusts("::"));
    assertTrue(all6.trusts("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    assertFalse(all6.trusts("10.0.0.1"));
    TrustedProxies edge = TrustedProxies.parse("2001:db8::8000/113");
    assertTrue(edge.trusts("2001:db8::ffff"));
    assertFalse(edge.trusts("2001:db8::7fff"));
  }

  @Test
  void refusedEntriesAreNamed() {
    for (String[] bad : new String[][] {
        {"gateway", "'gateway' is not an IP address or CIDR range (host names are not resolved"},
        {"10.0.0.0/8,proxy.example.com", "'proxy.example.com' is not an IP address"},
        {"localhost/8", "'localhost/8' is not an IP address"},
        {"10.0.0.0/33", "'10.0.0.0/33': the prefix length must be a number from 0 to 32 for an IPv4 address"},
        {"::/129", "'::/129': the prefix length must be a number from 0 to 128 for an IPv6 address"},
        {"10.0.0.0/-1", "prefix length"},
        {"10.0.0.0/", "prefix length"},
        {"10.0.0.0/8/8", "prefix length"},
        {"10.0.0.0/ 8", "prefix length"},
        {"10.0.0.256", "'10.0.0.256' is not an IP address"},
        {"10.0.0", "is not an IP address"},
        {"127.1", "is not an IP address"},
        {"1.2.3.4.5", "is not an IP address"},
        {"2001:db8:::1", "is not an IP address"},
        {"2001:db8::1::2", "is not an IP address"},
        {"1:2:3:4:5:6:7:8:9", "is not an IP address"},
        {"1:2:3:4:5:6:7", "is not an IP address"},
        {"fe80::1%eth0", "is not an IP address"},
        {"[::1]", "is not an IP address"},
        {"12345::", "is not an IP address"},
        {"١٢٧.0.0.1", "is not an IP address"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(bad[0]),
          bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), bad[0] + ": " + e.getMessage());
    }
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= TrustedProxies.MAX_RANGES; i++) {
      many.add("10.0." + (i / 256) + "." + (i % 256));
    }
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(String.join(",", many)))
        .getMessage().contains("more than 256 entries"));
  }

  @Test
  void emptyMeansNone() {
    assertSame(TrustedProxies.NONE, TrustedProxies.parse(null));
    assertSame(TrustedProxies.NONE, TrustedProxies.parse(" "));
    assertSame(TrustedProxies.NONE, TrustedProxies.parse(" , ,"));
    assertTrue(TrustedProxies.NONE.isEmpty());
    assertEquals("203.0.113.1", client(TrustedProxies.NONE, "203.0.113.1", "198.51.100.9"));
    assertEquals("10.0.0.0/8", TrustedProxies.parse("10.0.0.0/8, ").toString());
  }

  @Test
  void addressesParseAndFormatCanonically() {
    assertEquals("2001:db8::1", TrustedProxies.format(TrustedProxies.parseAddress("2001:0DB8:0:0:0:0:0:1")));
    assertEquals("::", TrustedProxies.format(TrustedProxies.parseAddress("0:0:0:0:0:0:0:0")));
    assertEquals("1::", TrustedProxies.format(TrustedProxies.parseAddress("1:0:0:0:0:0:0:0")));
    assertEquals("1:0:2::3", TrustedProxies.format(TrustedProxies.parseAddress("1:0:2:0:0:0:0:3")),
        "the longest run of zeros is the one shortened");
    assertEquals("1:2:3:4:5:6:7:8", TrustedProxies.format(TrustedProxies.parseAddress("1:2:3:4:5:6:7:8")));
    assertEquals("1:0:3:4:5:6:7:8", TrustedProxies.format(TrustedProxies.parseAddress("1::3:4:5:6:7:8")),
        "a single zero group stays");
    assertEquals("64:ff9b::c000:201", TrustedProxies.format(TrustedProxies.parseAddress("64:ff9b::192.0.2.1")));
    assertEquals("192.0.2.1", TrustedProxies.format(TrustedProxies.parseAddress("::ffff:192.0.2.1")));
    assertEquals("192.0.2.1", TrustedProxies.format(TrustedProxies.parseAddress("0:0:0:0:0:ffff:c000:0201")));
    assertNull(TrustedProxies.parseAddress("::ffff:192.0.2"));
    assertNull(TrustedProxies.parseAddress("1.2.3.4:80"));
    assertNull(TrustedProxies.parseAddress(""));
    assertNull(TrustedProxies.parseAddress("1::2.3.4.5:6"), "an IPv4 part only at the end");
  }

  @Test
  void anUntrustedPeersHeaderIsNeverRead() {
    TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
    assertEquals("203.0.113.9", client(p, "203.0.113.9", "198.51.100.1"), "a spoofed header changes nothing");
    assertEquals("203.0.113.9", client(p, "203.0.113.9", "10.0.0.1"), "nor one naming a trusted proxy");
    assertEquals("2001:db8::9", client(p, "2001:db8:0:0:0:0:0:9", "198.51.100.1"), "canonical form");
  }

  @Test
  void aTrustedPeerNamesTheClient() {
    TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
    assertEquals("203.0.113.7", client(p, "10.0.0.2", "203.0.113.7"));
    assertEquals("203.0.113.7", client(p, "10.0.0.2", " 203.0.113.7 "));
    assertEquals("2001:db8::7", client(p, "10.0.0.2", "2001:DB8:0::7"));
    assertEquals("10.0.0.2", client(p, "10.0.0.2"), "no header: the proxy itself");
    assertEquals("10.0.0.2", p.clientAddress("10.0.0.2", null));
    assertEquals("10.0.0.2", client(p, "10.0.0.2", ""), "an empty header");
    assertEquals("10.0.0.2", client(p, "10.0.0.2", "  "));
    assertEquals("unknown", client(p, "unknown", "203.0.113.7"), "a peer that is no address stays as it is");
  }

  @Test
  void theWalkGoesFromTheRightPastTrustedHops() {
    TrustedProxies p = TrustedProxies.parse("10.0.0.0/8,fd00::/8");
    // A client-supplied entry on the left is ignored: the rightmost untrusted entry is the client.
    assertEquals("203.0.113.7", client(p, "10.0.0.2", "198.51.100.66, 203.0.113.7, 10.0.0.5, 10.0.0.4"));
    assertEquals("203.0.113.7", client(p, "10.0.0.2", "198.51.100.66, 203.0.113.7", "fd00::5", "10.0.0.4"),
        "several headers are one list, in order");
    assertEquals("10.0.0.9", client(p, "10.0.0.2", "10.0.0.9, 10.0.0.5"),
        "only trusted hops: the farthest one");
  }

  @Test
  void garbageEndsTheWalkAtTheLastTrustedHop() {
    TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
    assertEquals("10.0.0.2", client(p, "10.0.0.2", "unknown"));
    assertEquals("10.0.0.2", client(p, "10.0.0.2", "203.0.113.7:4711"), "a port is not an address");
    assertEquals("10.0.0.5", client(p, "10.0.0.2", "203.0.113.7, _hidden, 10.0.0.5"));
    assertEquals("10.0.0.5", client(p, "10.0.0.2", "203.0.113.7,, 10.0.0.5"), "an empty entry too");
    assertEquals("10.0.0.2", client(p, "10.0.0.2", "203.0.113.7, "));
    assertEquals("10.0.0.2", client(p, "10.0.0.2", "[2001:db8::1]"));
  }

  @Test
  void theWorkIsBounded() {
    TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
    List<String> hops = new ArrayList<>();
    hops.add("203.0.113.7");
    for (int i = 0; i < TrustedProxies.MAX_HOPS; i++) {
      hops.add("10.0.0." + (i + 1));
    }
    // 21 entries: the 20 nearest are trusted, the client is past the bound, so the farthest one looked at counts.
    assertEquals("10.0.0.1", client(p, "10.0.0.254", String.join(",", hops)));
    assertEquals("203.0.113.7", client(p, "10.0.0.254", String.join(",", hops.subList(0, TrustedProxies.MAX_HOPS))));

    String padding = "1".repeat(TrustedProxies.MAX_HEADER_CHARS);
    assertEquals("203.0.113.7", client(p, "10.0.0.2", padding + ",203.0.113.7"), "the last 4 KiB are read");
    assertEquals("10.0.0.5", client(p, "10.0.0.2", "203.0.113.7," + "x".repeat(4000) + ",10.0.0.5"),
        "garbage in the window");
    // An entry cut by the bound is not believed: "9.0.0.1" might be the end of "129.0.0.1".
    String cut = "129.0.0.1," + " ".repeat(TrustedProxies.MAX_HEADER_CHARS - 16) + "10.0.0.7";
    assertEquals(TrustedProxies.MAX_HEADER_CHARS + 2, cut.length(), "the window starts at 9.0.0.1");
    assertEquals("10.0.0.7", client(p, "10.0.0.2", cut));
    assertEquals("129.0.0.1", client(p, "10.0.0.2", cut.substring(0, 10) + cut.substring(12)), "two characters less");
    List<String> manyHeaders = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      manyHeaders.add("198.51.100." + (i % 250));
    }
    manyHeaders.add("203.0.113.7");
    assertEquals("203.0.113.7", p.clientAddress("10.0.0.2", manyHeaders));
  }
}
