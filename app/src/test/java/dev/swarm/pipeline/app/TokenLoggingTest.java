package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.auth.TokenFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens never reach the log: a pipeline process with a tokens file is sent good, unknown and under-scoped tokens
 * (Bearer and Basic), its file changes under it (a valid and an invalid version), and then its whole log is searched
 * for every token in every form a client sent it.
 */
class TokenLoggingTest {
  @TempDir Path dir;

  @Test
  @Timeout(180)
  void noTokenAppearsInTheLogWhateverHappens() throws Exception {
    String reader = "reader-" + TestSpans.newTraceId();
    String writer = "writer-" + TestSpans.newTraceId();
    String unknown = "unknown-" + TestSpans.newTraceId();
    String added = "added-" + TestSpans.newTraceId();
    Path tokens = dir.resolve("tokens.json");
    Files.writeString(tokens, file(entry(reader, "acme", "read"), entry(writer, "acme", "write")));
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), TestPipeline.freePort());
    env.put("AUTH_TOKENS_FILE", tokens.toString());
    env.put("AUTH_RELOAD_INTERVAL_MS", "200");
    Path log = dir.resolve("pipeline.log");
    try (ChildPipeline child = new ChildPipeline(env, log).start()) {
      Http http = new Http(Integer.parseInt(env.get("HTTP_PORT")));
      child.awaitReady(http);
      String trace = TestSpans.newTraceId();
      String span = TestSpans.span(trace, "r", null).encode();
      assertEquals(202, http.postJson("/api/traces", span, "Authorization", "Bearer " + writer).statusCode());
      assertEquals(401, http.postJson("/api/traces", span, "Authorization", "Bearer " + unknown).statusCode());
      assertEquals(401, http.get("/api/traces", "Authorization", basic(unknown)).statusCode());
      assertEquals(403, http.get("/api/traces", "Authorization", "Bearer " + writer).statusCode());
      assertEquals(403, http.postJson("/api/traces", span, "Authorization", basic(reader)).statusCode());
      // A malformed header that still carries the token.
      assertEquals(401, http.get("/api/traces", "Authorization", "Token " + reader).statusCode());
      Await.until("the span stored", Duration.ofSeconds(30),
          () -> http.get("/api/traces/" + trace, "Authorization", basic(reader)), r -> r.statusCode() == 200);

      // The file changes: once valid (a token added), once not (the reload failure is logged).
      Files.writeString(tokens, file(entry(reader, "acme", "read"), entry(writer, "acme", "write"),
          entry(added, "globex", "read")));
      Await.until("the added token accepted", Duration.ofSeconds(30),
          () -> http.get("/api/traces", "Authorization", "Bearer " + added).statusCode(), s -> s == 200);
      Files.writeString(tokens, "{\"tokens\": [" + entry(reader, "acme", "read") + ", {\"sha256\": \"" + added + "\"}]}");
      Await.until("the invalid file reported", Duration.ofSeconds(30), () -> read(log),
          text -> text.contains("not valid"));
      // Not even JSON, with a token pasted into it: the parser's message must not quote it.
      Files.writeString(tokens, "{\"tokens\": [{\"sha256\": " + writer + "}]}");
      Await.until("the unreadable file reported", Duration.ofSeconds(30), () -> read(log),
          text -> text.contains("not a JSON object"));
      child.terminate(); // SIGTERM: the log is complete once the process has stopped
    }
    String text = Files.readString(log);
    assertTrue(text.contains("authentication on"), "the log is the pipeline's");
    for (String token : List.of(reader, writer, unknown, added)) {
      assertFalse(text.contains(token), "the log holds a token");
      assertFalse(text.contains(basic(token).substring("Basic ".length())), "the log holds a Basic credential");
    }
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String basic(String token) {
    return "Basic " + Base64.getEncoder().encodeToString(("user:" + token).getBytes(StandardCharsets.UTF_8));
  }

  static String entry(String token, String tenant, String scope) {
    return "{\"sha256\": \"" + TokenFile.sha256Hex(token) + "\", \"tenant\": \"" + tenant + "\", \"scopes\": [\"" + scope
        + "\"]}";
  }

  static String file(String... entries) {
    return "{\"tokens\": [" + String.join(", ", entries) + "]}";
  }
}
