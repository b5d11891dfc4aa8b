package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repository the checks read, and the command-line tools they run on its files. */
final class Repo {
  /** Longest any tool may run: every one of them answers in a second or two; a hang must not stall the build. */
  private static final long TOOL_TIMEOUT_SECONDS = 60;

  private Repo() {}

  static Path root() {
    String configured = System.getProperty("repo.root");
    Path root = configured != null ? Path.of(configured) : Path.of("..");
    return root.toAbsolutePath().normalize();
  }

  static Path file(String relative) {
    return root().resolve(relative);
  }

  static String read(String relative) {
    try {
      return Files.readString(file(relative), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The output of a finished command. */
  record Result(int exitCode, String stdout, String stderr) {
    String both() {
      return stdout + (stderr.isEmpty() ? "" : "\n" + stderr);
    }
  }

  /** Where {@code tool} is on the PATH, or null. */
  static Path which(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** Fails the test, naming the Debian package to install, when a tool CI provides is missing. */
  static void requireTool(String tool, String debianPackage) {
    if (which(tool) == null) {
      fail("'" + tool + "' is not installed: apt-get install " + debianPackage + " (bin/test installs it)");
    }
  }

  static Result run(Path workDir, Map<String, String> env, String... command) {
    return run(workDir, env, List.of(command));
  }

  static Result run(Path workDir, Map<String, String> env, List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile());
    // Only PATH and HOME from this process: a variable set in the developer's shell (LOG_LEVEL, API_PORT…)
    // must not change what docker-compose renders.
    Map<String, String> inherited = System.getenv();
    pb.environment().clear();
    for (String name : List.of("PATH", "HOME", "LANG")) {
      if (inherited.containsKey(name)) {
        pb.environment().put(name, inherited.get(name));
      }
    }
    pb.environment().putAll(env);
    try {
      Path out = Files.createTempFile("deploy-check", ".out");
      Path err = Files.createTempFile("deploy-check", ".err");
      try {
        // Files, not pipes: a tool printing a lot can never block on a full pipe.
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          fail(String.join(" ", command) + " did not finish within " + TOOL_TIMEOUT_SECONDS + " s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs a command in the repository root and fails with its output unless it exits 0. */
  static Result runOk(String... command) {
    Result r = run(root(), Map.of(), command);
    if (r.exitCode() != 0) {
      fail(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.both());
    }
    return r;
  }
}
