package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A disk that fills for real: DATA_DIR on a small tmpfs (mounted by the test, so it needs root). Below
 * MIN_FREE_DISK_BYTES every write endpoint answers 503 disk_low with Retry-After and readiness fails with check
 * disk; the process keeps running, and once space is freed ingest accepts again by itself.
 */
class DiskFullTest {
  private Path mount;
  private PipelineApp app;

  @BeforeEach
  void mountTmpfs() throws Exception {
    mount = Files.createTempDirectory("disk-full");
    boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=320m", "tmpfs", mount.toString());
    assumeTrue(mounted, "skipped: mounting a tmpfs needs root (this test fills a real disk)");
  }

  @AfterEach
  void unmount() throws Exception {
    if (app != null) {
      app.stop();
    }
    run("umount", "-l", mount.toString());
    Files.deleteIfExists(mount);
  }

  @Test
  void aNearlyFullDiskRefusesWritesWithoutDyingAndRecoversByItself() throws Exception {
    app = TestPipeline.start(mount.resolve("data"), Map.of("MIN_FREE_DISK_BYTES", "96MiB",
        "DISK_CHECK_INTERVAL_MS", "100"));
    Http http = new Http(app.config().httpPort());
    String before = TestSpans.newTraceId();
    assertEquals(202, http.postJson("/api/traces", spans(before).encode()).statusCode());

    // Leave 48 MiB: under the guard, with room for what is already in flight.
    Path filler = mount.resolve("filler");
    long free = Files.getFileStore(mount).getUsableSpace();
    fill(filler, free - (48L << 20));

    Await.until("readiness to fail on disk", Duration.ofSeconds(10), () -> http.get("/health/ready"),
        r -> r.statusCode() == 503 && r.body().contains("\"disk\""));
    HttpResponse<String> refused = http.postJson("/api/traces", spans(TestSpans.newTraceId()).encode());
    assertEquals(503, refused.statusCode(), refused.body());
    assertEquals("disk_low", new JsonObject(refused.body()).getString("error"));
    assertTrue(new JsonObject(refused.body()).getString("message").contains("MIN_FREE_DISK_BYTES"), refused.body());
    assertTrue(refused.headers().firstValue("Retry-After").isPresent());
    // The other write endpoints refuse the same way.
    assertEquals(503, http.post("/v1/traces", new byte[0], "application/x-protobuf").statusCode());
    assertEquals(503, http.postJson("/api/v2/spans", "[]").statusCode());
    assertTrue(http.get("/metrics").body().contains("trace_ingest_requests_total{outcome=\"disk_low\"}"));
    // Still alive, and reads still work.
    assertEquals(200, http.get("/health/live").statusCode());
    Await.until("the trace sent before to be stored", Duration.ofSeconds(60),
        () -> http.get("/api/traces/" + before).statusCode(), s -> s == 200);

    Files.delete(filler);
    String after = TestSpans.newTraceId();
    Await.until("ingest to accept again", Duration.ofSeconds(10),
        () -> http.postJson("/api/traces", spans(after).encode()).statusCode(), s -> s == 202);
    Await.until("readiness back", Duration.ofSeconds(10), () -> http.get("/health/ready").statusCode(), s -> s == 200);
    Await.until("the trace sent after to be stored", Duration.ofSeconds(60),
        () -> http.get("/api/traces/" + after).statusCode(), s -> s == 200);
  }

  private static JsonArray spans(String traceId) {
    return new JsonArray().add(TestSpans.span(traceId, "r", null)).add(TestSpans.span(traceId, "c", "r"));
  }

  private static void fill(Path file, long bytes) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < bytes; written += chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - written));
      }
    }
  }

  private static boolean run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
