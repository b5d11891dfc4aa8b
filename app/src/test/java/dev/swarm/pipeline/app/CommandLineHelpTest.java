package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.bench.EndToEndBench;
import dev.swarm.pipeline.app.bench.IngestBench;
import dev.swarm.pipeline.app.bench.SoakBench;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The entry points behind bin/: {@code --help} prints the usage and exits 0 without starting anything (it used to
 * start a run, or hang, for two of them); an unknown argument exits 2 with the usage.
 */
class CommandLineHelpTest {

  @ParameterizedTest
  @ValueSource(classes = {Main.class, EndToEndBench.class, IngestBench.class, SoakBench.class})
  void helpPrintsTheUsageAndExitsZero(Class<?> main) throws Exception {
    Result help = run(main, "--help");
    assertEquals(0, help.exit, main + ": " + help.output);
    assertTrue(help.output.contains("usage:"), main + ": " + help.output);
    Result unknown = run(main, "--no-such-option", "1");
    assertEquals(2, unknown.exit, main + ": " + unknown.output);
    assertTrue(unknown.output.contains("usage:"), main + ": " + unknown.output);
  }

  private record Result(int exit, String output) {}

  private static Result run(Class<?> main, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(main + " " + String.join(" ", args) + " did not exit within 60 s");
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
