package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The image cannot be built here (no Docker engine), so its recipe is checked against the build it packages,
 * and its health probe, a bash script, is run against real HTTP servers.
 */
class DockerfileTest {
  static final String PROBE = "deploy/docker/healthcheck";

  static String dockerfile() {
    return Repo.read("Dockerfile");
  }

  /** The instructions of the last stage (the runtime image), continuation lines joined. */
  static List<String> runtimeStage() {
    String joined = dockerfile().replaceAll("\\\\\\n\\s*", " ");
    List<String> lines = joined.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    int from = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("FROM ")) {
        from = i;
      }
    }
    return lines.subList(from, lines.size());
  }

  static List<String> instructions(String keyword) {
    return runtimeStage().stream().filter(l -> l.startsWith(keyword + " ")).toList();
  }

  @Test
  void everyModuleOfTheRootPomIsCopiedBeforeTheDependencyLayer() {
    Set<String> modules = new TreeSet<>();
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(Repo.read("pom.xml"));
    while (m.find()) {
      modules.add(m.group(1).strip());
    }
    Set<String> copied = new TreeSet<>();
    Matcher c = Pattern.compile("(?m)^COPY ([A-Za-z0-9._-]+)/pom\\.xml \\1/\\s*$").matcher(dockerfile());
    while (c.find()) {
      copied.add(c.group(1));
    }
    assertEquals(modules, copied, "Maven refuses a reactor with a missing module pom: COPY <module>/pom.xml <module>/ for each");
  }

  @Test
  void buildStageUsesMavenOnJdk17AndBuildsTheAppAndTheSimulator() {
    String text = dockerfile();
    assertTrue(text.contains("FROM maven:3.9-eclipse-temurin-17 AS build"), "build stage");
    assertTrue(text.indexOf("COPY pom.xml") < text.indexOf("COPY . ."), "poms must be copied before the sources");
    assertTrue(text.contains("mvn -B -q -DskipTests -pl app,swarm-sim -am package"));
    assertTrue(Repo.read("app/pom.xml").contains("<finalName>trace-pipeline</finalName>"), "app's jar name changed");
    assertTrue(Repo.read("swarm-sim/pom.xml").contains("<finalName>swarm-sim</finalName>"), "swarm-sim's jar name changed");
    for (String module : List.of("app", "swarm-sim")) {
      assertTrue(Repo.read(module + "/pom.xml").contains("<classpathPrefix>lib/</classpathPrefix>"),
          module + ": the image puts dependencies in lib/ beside the jar");
    }
  }

  @Test
  void runtimeImageIsAJre17RunningAsANonRootUser() {
    assertEquals("FROM eclipse-temurin:17-jre", runtimeStage().get(0));
    List<String> users = instructions("USER");
    assertFalse(users.isEmpty(), "no USER: the container would run as root");
    String user = users.get(users.size() - 1).substring(5).split(":")[0];
    assertFalse(user.equals("root") || user.equals("0"), "runs as " + user);
    List<String> copies = instructions("COPY");
    assertTrue(copies.contains("COPY --from=build /src/app/target/trace-pipeline.jar /opt/trace-pipeline/"));
    assertTrue(copies.contains("COPY --from=build /src/app/target/lib/ /opt/trace-pipeline/lib/"));
    assertTrue(copies.contains("COPY --from=build /src/swarm-sim/target/swarm-sim.jar /opt/trace-pipeline/swarm-sim/"));
    assertTrue(copies.contains("COPY --from=build /src/swarm-sim/target/lib/ /opt/trace-pipeline/swarm-sim/lib/"));
  }

  @Test
  void containerDefaultsListenEverywhereAndSizeTheHeapFromTheMemoryLimit() {
    String env = String.join(" ", instructions("ENV"));
    assertTrue(env.contains("HTTP_HOST=0.0.0.0"), "a container must listen on every interface");
    assertTrue(env.contains("DATA_DIR=/var/lib/trace-pipeline"));
    assertTrue(env.contains("HTTP_PORT=" + AppSettings.integerDefault("HTTP_PORT")));
    assertTrue(env.matches(".*JAVA_TOOL_OPTIONS=\"[^\"]*-XX:MaxRAMPercentage=\\d+.*"), "heap must follow the container's limit");
    assertFalse(env.contains("ROLE="), "ROLE comes from the environment of each container");
    assertEquals(List.of("EXPOSE " + AppSettings.integerDefault("HTTP_PORT")), instructions("EXPOSE"));
    String cmd = String.join(" ", instructions("CMD"));
    assertTrue(cmd.contains("exec java") && cmd.contains("-jar /opt/trace-pipeline/trace-pipeline.jar"),
        "java must replace the shell (PID 1 gets SIGTERM): " + cmd);
  }

  @Test
  void healthcheckProbesReadinessWithTheShippedScript() {
    List<String> healthchecks = instructions("HEALTHCHECK");
    assertEquals(1, healthchecks.size());
    assertTrue(healthchecks.get(0).contains("CMD [\"/usr/local/bin/healthcheck\", \"/health/ready\"]"), healthchecks.get(0));
    assertTrue(instructions("COPY").contains("COPY " + PROBE + " /usr/local/bin/healthcheck"));
    assertTrue(Files.isExecutable(Repo.file(PROBE)), PROBE + " must be executable (COPY keeps the mode)");
  }

  @Test
  void dockerignoreKeepsBuildOutputGitAndSecretsOutOfTheContext() {
    List<String> ignored = Repo.read(".dockerignore").lines().map(String::strip).toList();
    for (String entry : List.of("**/target", ".git", ".env", "deploy/.env")) {
      assertTrue(ignored.contains(entry), ".dockerignore lacks " + entry);
    }
  }

  // --- the probe script against real servers ---

  HttpServer server;
  final AtomicInteger readyStatus = new AtomicInteger(200);
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/health/ready", ex -> {
      byte[] body = "{}".getBytes();
      ex.sendResponseHeaders(readyStatus.get(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/stuck", ex -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  Repo.Result probe(int port, String... args) {
    return probe(port, Map.of(), args);
  }

  Repo.Result probe(int port, Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    env.put("HTTP_PORT", Integer.toString(port));
    List<String> command = new ArrayList<>(List.of("bash", Repo.file(PROBE).toString()));
    command.addAll(Arrays.asList(args));
    return Repo.run(Repo.root(), env, command);
  }

  @Test
  void probePassesOn200() {
    assertEquals(0, probe(server.getAddress().getPort()).exitCode(), "default path /health/ready answering 200");
    assertEquals(0, probe(server.getAddress().getPort(), "/health/ready").exitCode());
  }

  @Test
  void probeFailsWhenNotReady() {
    readyStatus.set(503);
    Repo.Result r = probe(server.getAddress().getPort());
    assertEquals(1, r.exitCode());
    assertTrue(r.stdout().contains("503"), "the reason goes to Docker's health log: " + r.both());
  }

  @Test
  void probeFailsOnAnotherStatus() {
    assertEquals(1, probe(server.getAddress().getPort(), "/health/missing").exitCode(), "404 is not healthy");
  }

  @Test
  void probeFailsWhenNothingListens() throws IOException {
    int freePort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freePort = s.getLocalPort();
    }
    Repo.Result r = probe(freePort);
    assertEquals(1, r.exitCode());
    assertTrue(r.stdout().contains("no connection"), r.both());
  }

  @Test
  void probeGivesUpOnAServerThatNeverAnswers() {
    Repo.Result r = probe(server.getAddress().getPort(), Map.of("HEALTHCHECK_TIMEOUT_SECONDS", "1"), "/stuck");
    assertEquals(1, r.exitCode());
    assertTrue(r.stdout().contains("no answer"), r.both());
  }
}
