package dev.swarm.pipeline.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Utf8Test {
  private static final SpanDecoder DECODER = new SpanDecoder(SpanLimits.DEFAULTS);

  @Test
  void wellFormedTextOfEveryLengthPasses() {
    String text = "plain ascii long enough for the eight-byte path, é ü ß, 中文, 😀 and 𝄞 at the end";
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    for (int from = 0; from < b.length; from++) { // every alignment of the eight-byte steps
      if ((b[from] & 0xc0) != 0x80) {
        assertEquals(-1, Utf8.firstInvalid(b, from, b.length - from), "from " + from);
      }
    }
  }

  @Test
  void agreesWithTheJdkDecoderOnEveryTwoAndThreeByteSequence() {
    java.nio.charset.CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder();
    for (int a = 0x80; a <= 0xff; a++) {
      for (int b = 0; b <= 0xff; b++) {
        for (int c : new int[] {0x80, 0xbf, 0x41}) {
          byte[] bytes = {(byte) a, (byte) b, (byte) c, (byte) 0x80, 'x'};
          boolean ours = Utf8.firstInvalid(bytes, 0, bytes.length) < 0;
          boolean theirs;
          try {
            jdk.reset().decode(java.nio.ByteBuffer.wrap(bytes));
            theirs = true;
          } catch (java.nio.charset.CharacterCodingException e) {
            theirs = false;
          }
          assertEquals(theirs, ours, String.format("%02x %02x %02x 80", a, b, c));
        }
      }
    }
  }

  /** Overlong '/', overlong NUL, a CESU-8 surrogate pair, a lone surrogate, beyond U+10FFFF, a cut sequence. */
  @ParameterizedTest
  @ValueSource(strings = {"c0af", "e080af", "c080", "eda0bdedb880", "edbfbf", "f4908080", "f5808080", "e282"})
  void theNativeDecoderRefusesIllFormedUtf8AnywhereInTheBody(String hex) {
    byte[] bad = java.util.HexFormat.of().parseHex(hex);
    for (String where : new String[] {"\"k\":\"XX\"", "\"XX\":\"v\""}) {
      String json = "[{\"id\":\"a\",\"trace_id\":\"t\",\"span_name\":\"n\",\"start_time\":\"2026-11-27T23:24:23.000Z\","
          + "\"end_time\":\"2026-11-27T23:24:24.000Z\",\"attributes\":{" + where + "}}]";
      byte[] raw = json.getBytes(StandardCharsets.UTF_8);
      int at = json.indexOf("XX");
      byte[] body = new byte[raw.length - 2 + bad.length];
      System.arraycopy(raw, 0, body, 0, at);
      System.arraycopy(bad, 0, body, at, bad.length);
      System.arraycopy(raw, at + 2, body, at + bad.length, raw.length - at - 2);
      DecodeResult.Malformed m = assertInstanceOf(DecodeResult.Malformed.class, DECODER.decodeRequest(body, 10), hex);
      assertTrue(m.message().startsWith("invalid UTF-8 at byte " + at), m.message());
    }
  }
}
