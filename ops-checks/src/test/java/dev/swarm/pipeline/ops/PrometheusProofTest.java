package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.app.PipelineApp;
import dev.swarm.pipeline.app.PipelineConfig;
import dev.swarm.pipeline.app.auth.TokenFile;
import dev.swarm.pipeline.ops.Repo.AlertRule;
import dev.swarm.pipeline.ops.Repo.PanelQuery;
import dev.swarm.sim.SimOptions;
import dev.swarm.sim.SwarmSim;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof against a real Prometheus: a whole pipeline runs in this JVM, the simulator drives it with errors
 * and VM failures switched on and a time scale (so VMs are active while tickets run), and Debian's prometheus
 * scrapes it every second with the alert rules loaded. Then every panel query of every dashboard must return a
 * series with a value, and every alert rule must evaluate without error; the simulated failures must fire
 * the alerts they should.
 */
class PrometheusProofTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** Enough VM spawn and model-call failures to fire VMSpawnFailure (more than 3) and ClaudeAPIErrors (more than 10). */
  private static final SimOptions SIM = new SimOptions("http://placeholder", 8, 4, 4, 0.3, 0.25, 20261127, 60);
  /** The simulator's token: the simulated spans name several tenants, so one of every tenant. */
  private static final String SIM_TOKEN = "prometheus-proof-simulator-token";

  @TempDir static Path dir;
  private static PipelineApp app;
  private static Process prometheus;
  private static String prometheusUrl;
  private static Vertx simVertx;
  private static long simulatedTickets;
  private static long simulatedVmFailures;
  private static long simulatedLlmErrors;

  @BeforeAll
  static void startPipelinePrometheusAndTraffic() throws Exception {
    Path binary = Tools.require("prometheus"); // fail before starting anything when it is missing
    Map<String, String> env = new HashMap<>();
    env.put("DATA_DIR", dir.resolve("pipeline").toString());
    env.put("HTTP_PORT", Integer.toString(freePort()));
    env.put("EMBEDDED_KAFKA_PORT", "0");
    env.put("KAFKA_PARTITIONS", "3");
    env.put("HTTP_INSTANCES", "1");
    env.put("TRACE_IDLE_MS", "300");
    env.put("SHUTDOWN_TIMEOUT_MS", "5000");
    // With tokens, as deployed: the auth metrics the runbooks query exist only then.
    Path tokens = dir.resolve("tokens.json");
    Files.writeString(tokens, "{\"tokens\": [{\"sha256\": \"" + TokenFile.sha256Hex(SIM_TOKEN)
        + "\", \"tenant\": \"*\", \"scopes\": [\"write\", \"read\", \"admin\"]}]}");
    env.put("AUTH_TOKENS_FILE", tokens.toString());
    app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    int pipelinePort = app.config().httpPort();

    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: trace-pipeline
            static_configs:
              - targets: ['127.0.0.1:%d']
                labels:
                  role: all
        """.formatted(Repo.ALERT_RULES, pipelinePort));
    startPrometheus(binary, config);
    Await.until("the pipeline scraped once", Duration.ofSeconds(30), Duration.ofMillis(200),
        () -> values("up{job=\"trace-pipeline\"}"), v -> v.contains(1.0));

    simVertx = Vertx.vertx();
    SimOptions sim = new SimOptions("http://127.0.0.1:" + pipelinePort, SIM.ticketsPerSecond(), SIM.durationSeconds(),
        SIM.agents(), SIM.errorRate(), SIM.vmFailureRate(), SIM.seed(), SIM.timeScale());
    var report = SwarmSim.run(simVertx, sim, SIM_TOKEN).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    simulatedTickets = report.tickets();
    simulatedVmFailures = report.vmSpawnErrors();
    simulatedLlmErrors = report.llmErrors();
  }

  /** Starts prometheus on a free port; once more on another port if it exits at start (the port was taken). */
  private static void startPrometheus(Path binary, Path config) throws Exception {
    Path log = dir.resolve("prometheus.log");
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      prometheusUrl = "http://127.0.0.1:" + port;
      prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
              "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      int ready = Await.until("prometheus ready or exited", Duration.ofSeconds(30), Duration.ofMillis(200),
          () -> prometheus.isAlive() ? status(prometheusUrl + "/-/ready") : -2, s -> s == 200 || s == -2);
      if (ready == 200) {
        return;
      }
      if (attempt == 2) {
        throw new AssertionError("prometheus exited at start: " + Files.readString(log));
      }
    }
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (simVertx != null) {
      simVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void everyPanelQueryOfEveryDashboardReturnsASeries() {
    List<PanelQuery> queries = Repo.panelQueries();
    assertTrue(queries.size() >= 30, "queries: " + queries.size());
    // Bounded wait: histograms and rates need a few scrapes after the traffic before every query has a value.
    List<String> missing = Await.until("a value for every panel query", Duration.ofSeconds(40), Duration.ofSeconds(1),
        () -> queries.stream()
            .filter(q -> values(q.runnableExpr()).stream().noneMatch(v -> !Double.isNaN(v)))
            .map(q -> q.dashboard() + " #" + q.panelId() + " '" + q.panelTitle() + "': " + q.expr())
            .toList(),
        List::isEmpty);
    assertEquals(List.of(), missing);
  }

  @Test
  void everyAlertRuleIsLoadedAndEvaluatesWithoutError() {
    List<AlertRule> expected = Repo.alertRules();
    List<JsonObject> rules = Await.until("every rule evaluated", Duration.ofSeconds(30), Duration.ofMillis(500),
        PrometheusProofTest::loadedRules,
        rs -> rs.size() == expected.size() && rs.stream().noneMatch(r -> "unknown".equals(r.getString("health"))));
    for (JsonObject rule : rules) {
      assertEquals("ok", rule.getString("health"), rule.getString("name") + ": " + rule.getString("lastError"));
      assertEquals("alerting", rule.getString("type"));
    }
    assertEquals(expected.stream().map(AlertRule::name).collect(Collectors.toSet()),
        rules.stream().map(r -> r.getString("name")).collect(Collectors.toSet()));
    // And each expression on its own through the query API (no error, whatever the result).
    for (AlertRule rule : expected) {
      JsonObject answer = query(rule.expr());
      assertEquals("success", answer.getString("status"), rule.name() + ": " + answer.encode());
    }
  }

  @Test
  void simulatedFailuresFireTheirAlerts() {
    assertTrue(simulatedVmFailures > 3, "the seed gives more than 3 VM failures: " + simulatedVmFailures);
    assertTrue(simulatedLlmErrors > 10, "the seed gives more than 10 model-call errors: " + simulatedLlmErrors);
    Map<String, String> states = Await.until("alerts firing and pending", Duration.ofSeconds(30), Duration.ofMillis(500),
        PrometheusProofTest::alertStates,
        s -> "firing".equals(s.get("VMSpawnFailure")) && "firing".equals(s.get("ClaudeAPIErrors"))
            && s.containsKey("CriticalErrorRate") && s.containsKey("HighErrorRate") && s.containsKey("HighLatency"));
    // The error-rate and latency alerts wait 5 and 10 minutes before firing; a few seconds in they are pending.
    assertEquals("pending", states.get("CriticalErrorRate"));
    // (Disk alerts are left out: they watch the build machine's real disk.)
    assertEquals(Set.of(), Set.copyOf(states.keySet()).stream()
        .filter(Set.of("TracePipelineDown", "StorageWritesFailing", "IngestRejectingSpans", "IngestThrottling",
            "AuthFailuresHigh")::contains)
        .collect(Collectors.toSet()), "a healthy pipeline raises no pipeline alert");
  }

  /** The PromQL the runbooks tell people to run is valid and finds series on a running pipeline. */
  @Test
  void everyRunbookQueryRuns() {
    List<String> queries = Repo.runbookQueries();
    assertTrue(queries.size() >= 30, "runbook queries: " + queries.size());
    for (String promql : queries) {
      JsonObject answer = query(promql);
      assertEquals("success", answer.getString("status"), promql + ": " + answer.encode());
    }
    List<String> empty = Await.until("a series for every runbook query", Duration.ofSeconds(30), Duration.ofSeconds(1),
        () -> queries.stream().filter(q -> values(q).isEmpty()).toList(), List::isEmpty);
    assertEquals(List.of(), empty);
  }

  @Test
  void theSimulatorsTicketsArriveAsMetrics() {
    Await.until("every claimed ticket counted", Duration.ofSeconds(20), Duration.ofMillis(500),
        () -> values("sum(swarm_tickets_total{status=\"claimed\"})"), v -> v.contains((double) simulatedTickets));
    Await.until("every VM spawn failure counted", Duration.ofSeconds(20), Duration.ofMillis(500),
        () -> values("sum(swarm_vm_spawn_failures_total)"), v -> v.equals(List.of((double) simulatedVmFailures)));
    // Every VM spawned was released again once its agent.execute arrived.
    Await.until("no VM active after the run", Duration.ofSeconds(20), Duration.ofMillis(500),
        () -> values("sum(swarm_vms_active)"), v -> v.equals(List.of(0.0)));
    // While tickets ran, VMs were active (the time scale spreads each ticket's spans over seconds).
    List<Double> peak = values("max_over_time(sum(swarm_vms_active)[5m:1s])");
    assertTrue(!peak.isEmpty() && peak.get(0) >= 1, "peak active VMs: " + peak);
  }

  // --- Prometheus HTTP API ---------------------------------------------------------------------------------

  private static JsonObject query(String promql) {
    String url = prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    return new JsonObject(get(url).body());
  }

  /** The sample values of an instant query (NaN included), empty when it returns no series. */
  private static List<Double> values(String promql) {
    JsonObject answer = query(promql);
    if (!"success".equals(answer.getString("status"))) {
      throw new AssertionError(promql + ": " + answer.encode());
    }
    List<Double> out = new ArrayList<>();
    for (Object r : answer.getJsonObject("data").getJsonArray("result")) {
      out.add(Double.parseDouble(((JsonObject) r).getJsonArray("value").getString(1)));
    }
    return out;
  }

  private static List<JsonObject> loadedRules() {
    JsonArray groups = new JsonObject(get(prometheusUrl + "/api/v1/rules").body()).getJsonObject("data").getJsonArray("groups");
    List<JsonObject> rules = new ArrayList<>();
    groups.forEach(g -> ((JsonObject) g).getJsonArray("rules").forEach(r -> rules.add((JsonObject) r)));
    return rules;
  }

  /** Alert name to state (firing wins over pending when several series exist). */
  private static Map<String, String> alertStates() {
    JsonArray alerts = new JsonObject(get(prometheusUrl + "/api/v1/alerts").body()).getJsonObject("data").getJsonArray("alerts");
    Map<String, String> states = new HashMap<>();
    for (Object o : alerts) {
      JsonObject a = (JsonObject) o;
      states.merge(a.getJsonObject("labels").getString("alertname"), a.getString("state"),
          (x, y) -> "firing".equals(x) || "firing".equals(y) ? "firing" : x);
    }
    return states;
  }

  private static int status(String url) {
    try {
      return get(url).statusCode();
    } catch (UncheckedIOException e) {
      return -1;
    }
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
