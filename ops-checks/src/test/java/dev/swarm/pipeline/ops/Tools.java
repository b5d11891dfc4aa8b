package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Prometheus' and Alertmanager's command-line tools, run as processes. */
final class Tools {
  static final String INSTALL_HINT =
      "; install Debian's packages: apt-get update && apt-get install -y prometheus prometheus-alertmanager"
          + " (.ci/run does this before the build)";

  private Tools() {}

  /** The executable on PATH; fails the test (never skips it) when it is missing. */
  static Path require(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return fail(name + " is not on the PATH" + INSTALL_HINT);
  }

  record Result(int exitCode, String output) {}

  /** Runs a tool to completion (bounded), from the repository root, with stdout and stderr merged. */
  static Result run(String tool, String... args) {
    List<String> command = new ArrayList<>();
    command.add(require(tool).toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(Repo.ROOT.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes(); // ends when the process closes its output
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return fail(String.join(" ", command) + " did not finish within 60 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
