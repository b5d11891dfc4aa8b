package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.ops.Repo.AlertRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** alerts/swarm-alerts.yml: promtool checks and unit tests, the design's eight alerts, annotations and runbooks. */
class AlertRulesTest {
  /** The design's alert table: name to severity. */
  static final Map<String, String> DESIGN_ALERTS = new LinkedHashMap<>();

  static {
    DESIGN_ALERTS.put("HighErrorRate", "warning");
    DESIGN_ALERTS.put("CriticalErrorRate", "critical");
    DESIGN_ALERTS.put("VMSpawnFailure", "critical");
    DESIGN_ALERTS.put("HighLatency", "warning");
    DESIGN_ALERTS.put("QueueBacklog", "warning");
    DESIGN_ALERTS.put("ClaudeAPIErrors", "critical");
    DESIGN_ALERTS.put("DiskSpaceLow", "warning");
    DESIGN_ALERTS.put("DiskSpaceCritical", "critical");
  }

  @Test
  void promtoolAcceptsTheRules() {
    Tools.Result r = Tools.run("promtool", "check", "rules", Repo.ALERT_RULES.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  @Test
  void promtoolUnitTestsPass() {
    Tools.Result r = Tools.run("promtool", "test", "rules", Repo.ALERT_TESTS.toString());
    assertEquals(0, r.exitCode(), r.output());
  }

  @Test
  void theDesignsEightAlertsWithTheirSeverities() {
    Map<String, String> severities =
        Repo.alertRules().stream().collect(Collectors.toMap(AlertRule::name, r -> String.valueOf(r.labels().get("severity"))));
    DESIGN_ALERTS.forEach((name, severity) -> assertEquals(severity, severities.get(name), name));
  }

  @Test
  void pipelineAlertsCoverTheIssuesList() {
    Set<String> names = Repo.alertRules().stream().map(AlertRule::name).collect(Collectors.toSet());
    for (String name : List.of("TracePipelineDown", "IngestRejectingSpans", "IngestThrottling", "ConsumerLagHigh",
        "StorageWritesFailing", "IncompleteTracesHigh", "AggregatorBufferNearLimit")) {
      assertTrue(names.contains(name), name);
    }
    String down = Repo.alertRules().stream().filter(r -> r.name().equals("TracePipelineDown")).findFirst().orElseThrow().expr();
    assertTrue(down.contains("up{job=\"trace-pipeline\"} == 0") && down.contains("absent(up{job=\"trace-pipeline\"})"), down);
  }

  @Test
  void everyAlertHasSeveritySummaryDescriptionAndItsOwnRunbook() {
    List<AlertRule> rules = Repo.alertRules();
    assertTrue(rules.size() >= 15, "rules: " + rules.size());
    Set<String> names = new HashSet<>();
    for (AlertRule rule : rules) {
      assertTrue(names.add(rule.name()), "duplicate alert " + rule.name());
      assertTrue(Set.of("warning", "critical").contains(rule.labels().get("severity")), rule.name() + " severity");
      for (String annotation : List.of("summary", "description", "runbook_url")) {
        Object value = rule.annotations().get(annotation);
        assertTrue(value instanceof String s && !s.isBlank(), rule.name() + " lacks " + annotation);
      }
      assertEquals(Repo.RUNBOOK_URL_PREFIX + rule.name() + ".md", rule.annotations().get("runbook_url"), rule.name());
      Path runbook = Repo.RUNBOOKS.resolve(rule.name() + ".md");
      assertTrue(Files.isRegularFile(runbook), "missing " + runbook);
    }
  }

  @Test
  void runbooksHaveTheSectionsAndChecksAndNoneIsOrphaned() throws IOException {
    Set<String> alerts = Repo.alertRules().stream().map(AlertRule::name).collect(Collectors.toSet());
    List<Path> files;
    try (Stream<Path> s = Files.list(Repo.RUNBOOKS)) {
      files = s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString().replace(".md", "");
      if (name.equals("README")) {
        continue;
      }
      assertTrue(alerts.contains(name), file + " has no alert");
      String text = Repo.read(file);
      for (String heading : List.of("## What it means", "## First checks", "## Likely causes", "## Mitigation", "## When to escalate")) {
        assertTrue(text.contains(heading), file + " lacks '" + heading + "'");
      }
      assertTrue(text.contains("```promql"), file + " lacks a PromQL check");
      assertTrue(text.contains("curl -s"), file + " lacks a curl against the pipeline");
      assertTrue(text.contains("/api/traces") || text.contains("/metrics") || text.contains("/health"),
          file + " lacks a curl against the pipeline's API");
    }
  }

  /** Every alert has a promtool test in which it fires and one in which it does not. */
  @Test
  @SuppressWarnings("unchecked")
  void everyAlertIsTestedFiringAndNotFiring() {
    List<Map<String, Object>> tests = (List<Map<String, Object>>) Repo.yaml(Repo.ALERT_TESTS).get("tests");
    Set<String> fired = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (Map<String, Object> test : tests) {
      for (Map<String, Object> check : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test", List.of())) {
        String name = (String) check.get("alertname");
        List<?> expected = (List<?>) check.get("exp_alerts");
        (expected == null || expected.isEmpty() ? quiet : fired).add(name);
      }
    }
    for (AlertRule rule : Repo.alertRules()) {
      assertTrue(fired.contains(rule.name()), rule.name() + " is never tested firing");
      assertTrue(quiet.contains(rule.name()), rule.name() + " is never tested not firing");
    }
    assertFalse(fired.isEmpty());
  }
}
