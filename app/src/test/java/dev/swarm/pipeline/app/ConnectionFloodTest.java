package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections past the process's open-file limit: the pipeline runs as a child process with a small limit and the
 * default connection cap (derived from that limit), and is flooded with far more connections than it has files.
 * Before the cap existed, such a flood left the broker unable to write its checkpoints and the JVM halted.
 */
class ConnectionFloodTest {
  private static final int OPEN_FILES = 1536;
  private static final int FLOOD = 4000;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;

  @Test
  void aFloodOfConnectionsPastTheFileLimitLeavesThePipelineUpAndServing() throws Exception {
    assertTrue(HttpLimits.readOpenFilesLimit() > FLOOD + 500,
        "the test process needs more than " + (FLOOD + 500) + " open files (ulimit -n)");
    int port = TestPipeline.freePort();
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), port);
    env.put("MIN_FREE_DISK_BYTES", "0");
    Http http = new Http(port);
    Path log = dir.resolve("child.log");
    try (ChildPipeline child = new ChildPipeline(env, log, OPEN_FILES).start()) {
      child.awaitReady(http);
      String before = TestSpans.newTraceId();
      assertEquals(202, http.postJson("/api/traces", trace(before).encode()).statusCode());

      List<Socket> flood = new ArrayList<>();
      try {
        for (int i = 0; i < FLOOD; i++) {
          Socket s = new Socket("127.0.0.1", port);
          if (i % 2 == 0) {
            // Half of them start a request and never finish it.
            s.getOutputStream().write("POST /api/traces HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          flood.add(s);
        }
        Await.until("the child to log that it refuses connections", Duration.ofSeconds(30),
            () -> read(log), text -> text.contains("refusing HTTP connections"));
        assertTrue(child.alive(), "the flood stopped the child; see " + log);
      } finally {
        for (Socket s : flood) {
          closeQuietly(s);
        }
      }

      // Served again once the flood is gone: writes, the broker and storage all work.
      String after = TestSpans.newTraceId();
      Await.until("ingest to accept again", Duration.ofSeconds(30),
          () -> http.postJson("/api/traces", trace(after).encode()).statusCode(), s -> s == 202);
      for (String id : List.of(before, after)) {
        Await.until("trace " + id + " to be stored", Duration.ofSeconds(60),
            () -> http.get("/api/traces/" + id).statusCode(), s -> s == 200);
      }
      assertEquals(200, http.get("/health/ready").statusCode());
      assertTrue(child.alive());
      String text = Files.readString(log);
      assertFalse(text.contains("Too many open files"), "the child ran out of files; see " + log);
      assertFalse(text.contains("log dirs have failed") || text.contains("Halting"), "the broker halted; see " + log);
    }
  }

  private static JsonArray trace(String traceId) {
    return new JsonArray().add(TestSpans.span(traceId, "r", null));
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
