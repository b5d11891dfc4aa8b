package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With the broker stopped, ingest answers 503 with Retry-After; when it returns, ingest recovers. */
class BrokerOutageTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension();
  static PipelineApp app;
  static Http http;

  @BeforeAll
  static void bind() {
    app = PIPELINE.app();
    http = PIPELINE.http();
  }

  @Test
  void answers503WhileTheBrokerIsDownAndRecovers() {
    String body = TestSpans.span("t-outage", "before", null).encode();
    assertEquals(202, http.postJson("/api/traces", body).statusCode());

    app.broker().stop();
    HttpResponse<String> down = Await.until("a 503 while the broker is down", Duration.ofSeconds(40),
        () -> http.postJson("/api/traces", TestSpans.span("t-outage", "during", null).encode()),
        r -> r.statusCode() == 503);
    assertTrue(down.headers().firstValue("Retry-After").isPresent(), "503 must carry Retry-After");
    assertTrue(new JsonObject(down.body()).getString("error").length() > 0);
    assertEquals(503, http.get("/health/ready").statusCode());

    app.broker().start();
    Await.until("ingest to accept again after the broker returned", Duration.ofSeconds(60),
        () -> http.postJson("/api/traces", TestSpans.span("t-outage", "after", null).encode()),
        r -> r.statusCode() == 202);
    Await.until("readiness to recover", Duration.ofSeconds(20), () -> http.get("/health/ready"), r -> r.statusCode() == 200);
  }
}
