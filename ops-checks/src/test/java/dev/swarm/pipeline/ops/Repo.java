package dev.swarm.pipeline.ops;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** The operations files of the repository, read as the tests need them. */
final class Repo {
  static final Path ROOT = Path.of(System.getProperty("ops.repoRoot", "..")).toAbsolutePath().normalize();
  static final Path ALERT_RULES = ROOT.resolve("alerts/swarm-alerts.yml");
  static final Path ALERT_TESTS = ROOT.resolve("alerts/swarm-alerts.test.yml");
  static final Path ALERTMANAGER = ROOT.resolve("alerts/alertmanager.yml");
  static final Path PROMETHEUS = ROOT.resolve("deploy/prometheus/prometheus.yml");
  static final Path GRAFANA_PROVISIONING = ROOT.resolve("deploy/grafana/provisioning");
  static final Path RUNBOOKS = ROOT.resolve("runbooks");
  static final Path DASHBOARDS = ROOT.resolve("dashboards");
  static final Path METRICS_DOC = ROOT.resolve("docs/metrics.md");
  static final List<String> DASHBOARD_FILES =
      List.of("system-overview.json", "agent-performance.json", "vm-health.json", "ticket-pipeline.json", "trace-pipeline.json");
  /** Where runbook_url annotations point: the runbook's file in the repository. */
  static final String RUNBOOK_URL_PREFIX = "https://github.com/swarm/trace-pipeline/blob/main/runbooks/";

  private Repo() {}

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(Path file) {
    return (Map<String, Object>) new Yaml().load(read(file));
  }

  static JsonObject json(Path file) {
    return new JsonObject(read(file));
  }

  /** One alerting rule of alerts/swarm-alerts.yml. */
  record AlertRule(String group, String name, String expr, Map<String, Object> labels, Map<String, Object> annotations) {}

  @SuppressWarnings("unchecked")
  static List<AlertRule> alertRules() {
    List<Map<String, Object>> groups = (List<Map<String, Object>>) yaml(ALERT_RULES).get("groups");
    return groups.stream()
        .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream()
            .map(r -> new AlertRule(
                (String) g.get("name"),
                (String) r.get("alert"),
                ((String) r.get("expr")).trim(),
                (Map<String, Object>) r.getOrDefault("labels", Map.of()),
                (Map<String, Object>) r.getOrDefault("annotations", Map.of()))))
        .toList();
  }

  /** One query of one dashboard panel. */
  record PanelQuery(String dashboard, int panelId, String panelTitle, String expr) {
    /** The expression with Grafana's interval variables replaced, as Prometheus can run it. */
    String runnableExpr() {
      return expr.replace("$__rate_interval", "1m").replace("${__rate_interval}", "1m")
          .replace("$__interval", "1m").replace("$__range", "1h");
    }
  }

  /**
   * The PromQL of the runbooks' {@code ```promql} blocks: one query per line, a line starting with white space
   * continuing the one before.
   */
  static List<String> runbookQueries() {
    List<String> queries = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(RUNBOOKS)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
        boolean inBlock = false;
        int indent = 0;
        for (String line : read(file).split("\n")) {
          String trimmed = line.strip();
          if (trimmed.startsWith("```")) {
            inBlock = !inBlock && trimmed.equals("```promql");
            indent = line.indexOf('`');
            continue;
          }
          if (!inBlock || trimmed.isEmpty()) {
            continue;
          }
          String body = line.length() > indent ? line.substring(indent) : trimmed;
          if (Character.isWhitespace(body.charAt(0)) && !queries.isEmpty()) {
            queries.set(queries.size() - 1, queries.get(queries.size() - 1) + " " + trimmed);
          } else {
            queries.add(trimmed);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return queries;
  }

  static List<PanelQuery> panelQueries() {
    return DASHBOARD_FILES.stream()
        .flatMap(file -> {
          JsonObject d = json(DASHBOARDS.resolve(file));
          return d.getJsonArray("panels").stream()
              .map(JsonObject.class::cast)
              .flatMap(p -> p.getJsonArray("targets").stream()
                  .map(JsonObject.class::cast)
                  .map(t -> new PanelQuery(file, p.getInteger("id"), p.getString("title"), t.getString("expr"))));
        })
        .toList();
  }
}
