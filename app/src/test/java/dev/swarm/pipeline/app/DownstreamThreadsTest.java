package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In ROLE=all the aggregator and storage run on a pool of their own at the lowest Java priority, as does Vert.x's
 * shared worker pool (where the SQLite calls run), and every thread that serves ingest stays at normal priority,
 * although Vert.x creates some of them from downstream threads (a Java thread inherits its creator's priority).
 * Checked after real traffic went all the way to SQLite.
 */
class DownstreamThreadsTest {
  @TempDir Path dir;

  @Test
  void assemblyAndStorageRunBelowIngestAndNothingElseInheritsTheirPriority() throws Exception {
    PipelineApp app = TestPipeline.start(dir, Map.of());
    try {
      String trace = postAndAwaitStored(app);
      Map<String, Set<Integer>> priorities = prioritiesByPool();
      assertEquals(Set.of(Thread.MIN_PRIORITY), priorities.get(DownstreamThreads.LOW_POOL), priorities + " " + trace);
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get("vert.x-eventloop-thread"), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get(dev.swarm.pipeline.ingest.SpanPublisher.WORKER_POOL),
          priorities.toString());
      // Vert.x's shared pool runs storage's JDBC calls (vertx-jdbc-client puts them there): low as well.
      assertEquals(Set.of(Thread.MIN_PRIORITY), priorities.get("vert.x-worker-thread"), priorities.toString());
    } finally {
      app.stop();
    }
  }

  @Test
  void normalPriorityKeepsThePoolButNotTheLowering() throws Exception {
    PipelineApp app = TestPipeline.start(dir, Map.of("DOWNSTREAM_PRIORITY", "normal"));
    try {
      postAndAwaitStored(app);
      Map<String, Set<Integer>> priorities = prioritiesByPool();
      assertFalse(priorities.containsKey(DownstreamThreads.LOW_POOL), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get(DownstreamThreads.NORMAL_POOL), priorities.toString());
      assertEquals(Set.of(Thread.NORM_PRIORITY), priorities.get("vert.x-worker-thread"), priorities.toString());
    } finally {
      app.stop();
    }
  }

  /**
   * The image runs as a user that cannot lower a nice value once raised, so a thread created by a downstream thread
   * keeps nice 4 for good. Netty starts an event loop's thread on first use, from whichever thread uses it; the app
   * starts them all itself before deploying anything, so every loop runs at nice 0 (this found 2 of 4 at nice 4).
   */
  @Test
  void withoutThePrivilegeToRaiseAPriorityEveryEventLoopStillRunsAtNormalPriority() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv (util-linux) to start a child without CAP_SYS_NICE");
    int port = TestPipeline.freePort();
    try (ChildPipeline child = new ChildPipeline(ChildPipeline.env(dir.resolve("data"), port), dir.resolve("child.log"))
        .withoutNicePrivilege().start()) {
      child.awaitReady(new Http(port));
      postAndAwaitStored("http://127.0.0.1:" + port);
      Map<String, Set<Integer>> nice = niceByPool(child.pid());
      assertEquals(Set.of(4), nice.get(comm(DownstreamThreads.LOW_POOL)), nice.toString());
      assertEquals(Set.of(0), nice.get(comm("vert.x-eventloop-thread")), nice.toString());
      assertEquals(Set.of(0), nice.get(comm("vert.x-acceptor-thread")), nice.toString());
    }
  }

  /** A thread name as Linux keeps it: its first 15 bytes. */
  private static String comm(String name) {
    return name.substring(0, Math.min(15, name.length()));
  }

  /** Linux nice values of a process's threads by {@link #comm} name, trailing digits dropped (/proc/PID/task). */
  private static Map<String, Set<Integer>> niceByPool(long pid) throws IOException {
    Map<String, Set<Integer>> nice = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm")).strip().replaceAll("-?\\d+$", "");
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          nice.computeIfAbsent(name, n -> new TreeSet<>()).add(Integer.parseInt(fields[16])); // field 19 of stat
        } catch (NoSuchFileException ended) {
          // the thread ended while listing
        }
      }
    }
    return nice;
  }

  private static String postAndAwaitStored(PipelineApp app) throws Exception {
    return postAndAwaitStored("http://127.0.0.1:" + app.config().httpPort());
  }

  private static String postAndAwaitStored(String base) throws Exception {
    String trace = TestSpans.newTraceId();
    HttpClient http = HttpClient.newHttpClient();
    String body = new io.vertx.core.json.JsonArray(List.of(TestSpans.span(trace, "r", null))).encode();
    HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(base + "/api/traces"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, posted.statusCode(), posted.body());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> got = http.send(HttpRequest.newBuilder(URI.create(base + "/api/traces/" + trace)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (got.statusCode() == 200) {
        return trace;
      }
      Thread.sleep(50); // polling the query API until the trace is stored
    }
    throw new AssertionError("trace " + trace + " not stored within 30 s");
  }

  /** Java priorities of the live threads, by name without the trailing number. */
  private static Map<String, Set<Integer>> prioritiesByPool() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
        t -> t.getName().replaceAll("-\\d+$", ""), TreeMap::new,
        Collectors.mapping(Thread::getPriority, Collectors.toSet())));
  }
}
