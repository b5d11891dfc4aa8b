package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** deploy/prometheus and deploy/grafana: valid, scraping the pipeline's roles, loading the alerts and dashboards. */
class DeployConfigTest {

  @Test
  void promtoolAcceptsThePrometheusConfig() {
    Tools.Result r = Tools.run("promtool", "check", "config", Repo.PROMETHEUS.toString());
    assertEquals(0, r.exitCode(), r.output());
  }

  @Test
  @SuppressWarnings("unchecked")
  void scrapesEveryRoleAndSendsAlertsToAlertmanager() {
    Map<String, Object> config = Repo.yaml(Repo.PROMETHEUS);
    Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
        .filter(j -> "trace-pipeline".equals(j.get("job_name"))).findFirst().orElseThrow();
    Set<String> targets = ((List<Map<String, Object>>) job.get("static_configs")).stream()
        .flatMap(s -> ((List<String>) s.get("targets")).stream()).collect(Collectors.toSet());
    assertEquals(Set.of("aggregator:8080", "storage:8080"), targets);
    // Ingest scales out: every replica is found through DNS, not one fixed target.
    Map<String, Object> dns = ((List<Map<String, Object>>) job.get("dns_sd_configs")).get(0);
    assertEquals(List.of("ingest"), dns.get("names"));
    assertEquals("A", dns.get("type"));
    assertEquals(8080, dns.get("port"));
    String alerting = config.get("alerting").toString();
    assertTrue(alerting.contains("alertmanager:9093"), alerting);
  }

  /** The rule_files glob, applied where the deployment mounts alerts/, loads the rules and nothing else. */
  @Test
  @SuppressWarnings("unchecked")
  void ruleFilesGlobPicksTheRulesFileOnly() {
    List<String> ruleFiles = (List<String>) Repo.yaml(Repo.PROMETHEUS).get("rule_files");
    assertEquals(1, ruleFiles.size());
    String glob = ruleFiles.get(0);
    assertTrue(glob.startsWith("/etc/prometheus/alerts/"), glob);
    PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    Path mounted = Path.of("/etc/prometheus/alerts");
    assertTrue(matcher.matches(mounted.resolve(Repo.ALERT_RULES.getFileName())));
    assertFalse(matcher.matches(mounted.resolve(Repo.ALERT_TESTS.getFileName())));
    assertFalse(matcher.matches(mounted.resolve(Repo.ALERTMANAGER.getFileName())));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisionsThePrometheusDataSourceAndTheDashboards() {
    Map<String, Object> ds = Repo.yaml(Repo.GRAFANA_PROVISIONING.resolve("datasources/prometheus.yml"));
    assertEquals(1, ds.get("apiVersion"));
    Map<String, Object> source = ((List<Map<String, Object>>) ds.get("datasources")).get(0);
    assertEquals("prometheus", source.get("type"));
    assertTrue(String.valueOf(source.get("url")).startsWith("http://prometheus:9090"));

    Map<String, Object> dashboards = Repo.yaml(Repo.GRAFANA_PROVISIONING.resolve("dashboards/dashboards.yml"));
    Map<String, Object> provider = ((List<Map<String, Object>>) dashboards.get("providers")).get(0);
    assertEquals("file", provider.get("type"));
    assertEquals("/var/lib/grafana/dashboards", ((Map<String, Object>) provider.get("options")).get("path"));
  }
}
