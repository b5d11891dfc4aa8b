package dev.swarm.pipeline.app;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The pipeline as a separate process (same classpath as the tests), so a test can SIGKILL it. */
final class ChildPipeline implements AutoCloseable {
  private final Map<String, String> env;
  private final Path log;
  private final long openFiles;
  private boolean withoutNicePrivilege;
  private Process process;

  ChildPipeline(Map<String, String> env, Path log) {
    this(env, log, 0);
  }

  /** @param openFiles the child's open-file limit (soft and hard, set with prlimit), or 0 for the test's own */
  ChildPipeline(Map<String, String> env, Path log, long openFiles) {
    this.env = env;
    this.log = log;
    this.openFiles = openFiles;
  }

  /**
   * Runs the child as the image's unprivileged user would: without CAP_SYS_NICE (setpriv drops it from the bounding
   * set, so even as root it cannot lower a nice value) and with Java priorities mapped to nice values, as
   * bin/trace-pipeline and the image run it.
   */
  ChildPipeline withoutNicePrivilege() {
    withoutNicePrivilege = true;
    return this;
  }

  /** The child's process id (setpriv and prlimit exec the JVM, so it is the JVM's). */
  long pid() {
    return process.pid();
  }

  ChildPipeline start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    if (openFiles > 0) {
      cmd.addAll(List.of("prlimit", "--nofile=" + openFiles + ":" + openFiles, "--"));
    }
    if (withoutNicePrivilege) {
      cmd.addAll(List.of("setpriv", "--bounding-set=-sys_nice", "--"));
    }
    cmd.addAll(List.of(java, "-Xmx512m", "-XX:+UseSerialGC"));
    if (withoutNicePrivilege) {
      cmd.add("-XX:ThreadPriorityPolicy=1");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    process = pb.start();
    return this;
  }

  /** Waits until the child answers ready on {@code http}; fails at once if it exits. */
  void awaitReady(Http http) {
    Await.until("the child pipeline to be ready (log: " + log + ")", java.time.Duration.ofSeconds(90), () -> {
      if (!alive()) {
        throw new AssertionError("child pipeline exited; see " + log);
      }
      try {
        return http.get("/health/ready").statusCode();
      } catch (RuntimeException notYet) {
        return -1;
      }
    }, s -> s == 200);
  }

  /**
   * The settings of a child pipeline: data in {@code dataDir}, the given HTTP port, a fixed broker port (a restart
   * must find the same broker address), 3 partitions, quick assembly.
   */
  static Map<String, String> env(Path dataDir, int httpPort) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("DATA_DIR", dataDir.toString());
    env.put("HTTP_PORT", Integer.toString(httpPort));
    env.put("EMBEDDED_KAFKA_PORT", Integer.toString(freeBrokerPort()));
    env.put("KAFKA_PARTITIONS", "3");
    env.put("TRACE_IDLE_MS", "200");
    env.put("TRACE_MAX_WAIT_MS", "2000");
    env.put("HTTP_INSTANCES", "1");
    return env;
  }

  /** A broker client port whose next port (the embedded controller's) is free too. */
  static int freeBrokerPort() {
    for (int i = 0; i < 50; i++) {
      int p = TestPipeline.freePort();
      try (java.net.ServerSocket s = new java.net.ServerSocket(p + 1)) {
        return p;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port pair");
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** SIGTERM, then the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    return process.waitFor();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  File logFile() {
    return log.toFile();
  }

  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      kill();
    }
  }
}
