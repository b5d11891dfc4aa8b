package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * promtool and amtool accept the Prometheus and Alertmanager configurations the compose stack mounts, with the
 * rule files resolved through the stack's mounts, so the check covers what the containers would load.
 */
class ComposeMonitoringConfigTest {
  static final String CONTAINER_RULES_DIR = "/etc/prometheus/alerts";

  @BeforeAll
  static void render() {
    ComposeStackTest.renderWithEnvExample();
  }

  @Test
  void prometheusConfigWithItsMountedRulesPassesPromtool(@TempDir Path dir) throws IOException {
    Repo.requireTool("promtool", "prometheus");
    Path config = ComposeStackTest.bindSource("prometheus", "/etc/prometheus/prometheus.yml");
    Path rulesOnHost = ComposeStackTest.bindSource("prometheus", CONTAINER_RULES_DIR);
    String text = Files.readString(config);
    assertTrue(text.contains(CONTAINER_RULES_DIR + "/"), "prometheus.yml no longer loads rules from " + CONTAINER_RULES_DIR);
    // The same file with the container's rule path replaced by the mounted host directory: promtool then
    // parses every rule file Prometheus would load in the container.
    Path resolved = dir.resolve("prometheus.yml");
    Files.writeString(resolved, text.replace(CONTAINER_RULES_DIR + "/", rulesOnHost + "/"));
    Repo.Result r = Repo.run(dir, Map.of(), "promtool", "check", "config", resolved.toString());
    assertEquals(0, r.exitCode(), "promtool check config:\n" + r.both());
    assertTrue(r.both().matches("(?s).*SUCCESS: [1-9]\\d* rules found.*"),
        "promtool found no rules through the mount:\n" + r.both());
  }

  @Test
  void alertmanagerConfigPassesAmtool() {
    Repo.requireTool("amtool", "prometheus-alertmanager");
    Path config = ComposeStackTest.bindSource("alertmanager", "/etc/alertmanager/alertmanager.yml");
    Repo.Result r = Repo.run(Repo.root(), Map.of(), "amtool", "check-config", config.toString());
    assertEquals(0, r.exitCode(), "amtool check-config:\n" + r.both());
    assertTrue(r.both().contains("SUCCESS"), r.both());
  }
}
