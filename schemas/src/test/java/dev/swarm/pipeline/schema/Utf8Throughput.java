package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;
/** Cost of {@link Utf8#firstInvalid} per byte (a main, not a test; schemas README, `Utf8`). */
public final class Utf8Throughput {
  public static void main(String[] a) {
    StringBuilder sb = new StringBuilder();
    while (sb.length() < 45_000) sb.append("{\"id\":\"00f067aa0ba902b7\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_name\":\"llm.chat\",\"attributes\":{\"model\":\"claude\",\"tokens\":1234}},");
    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] mixed = sb.toString().replace("claude", "clàüde").getBytes(StandardCharsets.UTF_8);
    for (byte[] body : new byte[][] {b, mixed}) {
      long sink = 0;
      for (int round = 0; round < 5; round++) {
        long t0 = System.nanoTime();
        int n = 20_000;
        for (int i = 0; i < n; i++) sink += Utf8.firstInvalid(body, 0, body.length);
        long t = System.nanoTime() - t0;
        if (round == 4) System.out.printf("%s: %.3f ns/byte (%.1f GB/s); a 450-byte span: %.0f ns%n", body == b ? "ascii" : "some 2-byte chars", t / (double) n / body.length, body.length * (double) n / t, 450.0 * t / n / body.length);
      }
      if (sink == 42) System.out.println();
    }
  }
}
