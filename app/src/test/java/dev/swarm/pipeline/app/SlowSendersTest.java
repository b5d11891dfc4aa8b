package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Senders that take a share of the in-flight budget and then stall cannot lock honest clients out: they are cut off
 * with 408 once they arrive slower than HTTP_MIN_BODY_RATE for two seconds, long before HTTP_REQUEST_TIMEOUT, and
 * an honest client is served again.
 */
class SlowSendersTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of(
      "MAX_BODY_BYTES", "1048576", "MAX_INFLIGHT_BYTES", "1572864", "HTTP_REQUEST_TIMEOUT", "60s"));

  @Test
  void stalledBodiesHoldingTheBudgetAreCutOffAndHonestClientsServed() throws Exception {
    Socket[] attackers = new Socket[2];
    try {
      byte[] part = new byte[700_000];
      Arrays.fill(part, (byte) ' ');
      for (int i = 0; i < attackers.length; i++) {
        attackers[i] = new Socket("127.0.0.1", PIPELINE.app().config().httpPort());
        OutputStream out = attackers[i].getOutputStream();
        out.write(("POST /api/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(part); // 700 kB of the million, then nothing more
        out.flush();
      }
      Await.until("the two bodies to hold their budget", Duration.ofSeconds(10),
          () -> PIPELINE.app().registry().get("trace.ingest.inflight.bytes").gauge().value(), b -> b >= 1_400_000);
      Http http = PIPELINE.http();
      String body = honestBody();
      // While the two hold 1.4 MB of the 1.5 MB budget, a 200 kB body does not fit; within seconds it does again.
      long start = System.nanoTime();
      HttpResponse<String> served = Await.until("an honest client to be served", Duration.ofSeconds(20),
          () -> http.postJson("/api/traces", body), r -> r.statusCode() == 202);
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waitedMs < 15_000, "honest client waited " + waitedMs + " ms");
      for (Socket s : attackers) {
        s.setSoTimeout(10_000);
        String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertEquals("HTTP/1.1 408", status);
      }
      assertEquals(202, served.statusCode());
    } finally {
      for (Socket s : attackers) {
        if (s != null) {
          s.close();
        }
      }
    }
  }

  private static String honestBody() {
    JsonArray spans = new JsonArray();
    String traceId = TestSpans.newTraceId();
    for (int i = 0; i < 100; i++) {
      JsonObject s = TestSpans.span(traceId, "s" + i, i == 0 ? null : "s0");
      s.getJsonObject("attributes").put("padding", "p".repeat(1900));
      spans.add(s);
    }
    return spans.encode();
  }
}
