package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shell examples the docs mark {@code runnable} (a fence opened with {@code ```bash runnable} or
 * {@code ```sh runnable}) run, in order, against a started pipeline, so pasted examples keep working: each block
 * must exit 0 and print no {@code {"error"…}} answer. The docs' {@code 127.0.0.1:8080} and {@code localhost:8080}
 * become the test pipeline's address.
 */
class RunnableDocsTest {
  private static final List<String> DOCS = List.of("README.md", "storage-verticle/README.md");
  private static final Pattern BLOCK = Pattern.compile("(?m)^```(?:bash|sh) runnable\\n(.*?)^```", Pattern.DOTALL);

  private static Path dir;
  private static PipelineApp app;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("docs");
    app = TestPipeline.start(dir, Map.of("TRACE_IDLE_MS", "2000"));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void everyRunnableShellExampleWorksAsWritten() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    String address = "127.0.0.1:" + app.config().httpPort();
    int blocks = 0;
    for (String doc : DOCS) {
      Matcher m = BLOCK.matcher(Files.readString(root.resolve(doc)));
      while (m.find()) {
        String script = m.group(1).replace("127.0.0.1:8080", address).replace("localhost:8080", address);
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).redirectErrorStream(true).start();
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
          p.destroyForcibly();
        }
        assertTrue(ended, doc + ": a runnable block did not end within 60 s:\n" + script);
        assertEquals(0, p.exitValue(), doc + ":\n" + script + "\nprinted:\n" + output);
        assertFalse(output.contains("{\"error\""), doc + ": the pipeline answered an error:\n" + script + "\n" + output);
        blocks++;
      }
    }
    assertTrue(blocks >= 4, "expected the README's and the storage README's examples, found " + blocks + " blocks");
  }
}
