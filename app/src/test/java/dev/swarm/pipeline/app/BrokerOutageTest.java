package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker is stopped and restarted while a client keeps posting: ingest answers 503 with Retry-After during
 * the outage, recovers after it, and every span it acknowledged (before, during or after) reaches SQLite.
 */
class BrokerOutageTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300"));
  static PipelineApp app;
  static Http http;

  @BeforeAll
  static void bind() {
    app = PIPELINE.app();
    http = PIPELINE.http();
  }

  @Test
  void answers503DuringAnOutageAndLosesNothingAcknowledged() throws Exception {
    List<String> acked = new CopyOnWriteArrayList<>();
    AtomicInteger unavailable = new AtomicInteger();
    AtomicInteger acceptedAfterRestart = new AtomicInteger();
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicBoolean go = new AtomicBoolean(true);
    List<HttpResponse<String>> first503 = new CopyOnWriteArrayList<>();
    Thread poster = new Thread(() -> {
      while (go.get()) {
        String trace = TestSpans.newTraceId();
        HttpResponse<String> r = http.postJson("/api/traces", TestSpans.span(trace, "root", null).encode());
        if (r.statusCode() == 202) {
          acked.add(trace);
          if (restarted.get()) {
            acceptedAfterRestart.incrementAndGet();
          }
        } else if (r.statusCode() == 503) {
          if (unavailable.getAndIncrement() == 0) {
            first503.add(r);
          }
          pause(); // a well-behaved client backs off on 503 (it would honour Retry-After)
        } else {
          throw new AssertionError("unexpected " + r.statusCode() + " " + r.body());
        }
      }
    });
    poster.start();
    Await.until("some spans acknowledged before the outage", Duration.ofSeconds(20), acked::size, n -> n >= 5);

    app.broker().stop();
    Await.until("a 503 while the broker is down", Duration.ofSeconds(40), unavailable::get, n -> n > 0);
    HttpResponse<String> down = first503.get(0);
    assertTrue(down.headers().firstValue("Retry-After").isPresent(), "503 must carry Retry-After");
    assertTrue(new JsonObject(down.body()).getString("error").length() > 0);
    assertEquals(503, http.get("/health/ready").statusCode());

    app.broker().start();
    restarted.set(true);
    Await.until("ingest to accept again after the broker returned", Duration.ofSeconds(60),
        acceptedAfterRestart::get, n -> n >= 5);
    go.set(false);
    poster.join();
    Await.until("readiness to recover", Duration.ofSeconds(20), () -> http.get("/health/ready"), r -> r.statusCode() == 200);

    assertTrue(acked.size() >= 10);
    for (String trace : acked) {
      Await.until("acknowledged trace " + trace + " in SQLite", Duration.ofSeconds(60),
          () -> http.get("/api/traces/" + trace).statusCode(), s -> s == 200);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
