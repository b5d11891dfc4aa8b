package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** alerts/alertmanager.yml: valid for amtool, routes by severity, inhibitions, secrets only from files. */
class AlertmanagerConfigTest {
  private static final String CONFIG = "--config.file=" + Repo.ALERTMANAGER;

  @Test
  void amtoolAcceptsTheConfig() {
    Tools.Result r = Tools.run("amtool", "check-config", Repo.ALERTMANAGER.toString());
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("SUCCESS"), r.output());
  }

  /** The receivers amtool routes an alert with these labels to, e.g. "pagerduty,slack". */
  private static String receivers(String... labels) {
    String[] args = new String[4 + labels.length];
    args[0] = "config";
    args[1] = "routes";
    args[2] = "test";
    args[3] = CONFIG;
    System.arraycopy(labels, 0, args, 4, labels.length);
    Tools.Result r = Tools.run("amtool", args);
    assertEquals(0, r.exitCode(), r.output());
    // amtool prints a warning that --config.file overrides --alertmanager.url; the receivers are the other line.
    return r.output().lines().filter(l -> !l.startsWith("Warning:")).map(String::trim).filter(l -> !l.isEmpty())
        .reduce((a, b) -> b).orElse("");
  }

  @Test
  void criticalGoesToPagerDutyAndSlack() {
    assertEquals("pagerduty,slack", receivers("severity=critical", "alertname=CriticalErrorRate"));
    assertEquals("pagerduty,slack", receivers("severity=critical", "alertname=DiskSpaceCritical", "instance=storage:8080"));
  }

  @Test
  void warningGoesToSlackOnly() {
    assertEquals("slack", receivers("severity=warning", "alertname=HighErrorRate"));
    assertEquals("slack", receivers("severity=warning", "alertname=QueueBacklog"));
  }

  @Test
  void amtoolVerifiesTheExpectedReceivers() {
    // --verify.receivers makes amtool itself fail on a mismatch: a second, independent check of the routing.
    Tools.Result ok = Tools.run("amtool", "config", "routes", "test", CONFIG, "--verify.receivers=pagerduty,slack",
        "severity=critical", "alertname=VMSpawnFailure");
    assertEquals(0, ok.exitCode(), ok.output());
    Tools.Result wrong = Tools.run("amtool", "config", "routes", "test", CONFIG, "--verify.receivers=pagerduty",
        "severity=warning", "alertname=HighLatency");
    assertTrue(wrong.exitCode() != 0, "a warning must not page: " + wrong.output());
  }

  @Test
  @SuppressWarnings("unchecked")
  void groupsByAlertNameAndInhibitsTheLesserAlerts() {
    Map<String, Object> config = Repo.yaml(Repo.ALERTMANAGER);
    Map<String, Object> route = (Map<String, Object>) config.get("route");
    assertEquals(List.of("alertname"), route.get("group_by"));
    List<Map<String, Object>> inhibit = (List<Map<String, Object>>) config.get("inhibit_rules");
    assertTrue(inhibits(inhibit, "CriticalErrorRate", "HighErrorRate"), inhibit.toString());
    assertTrue(inhibits(inhibit, "DiskSpaceCritical", "DiskSpaceLow"), inhibit.toString());
    assertFalse(inhibits(inhibit, "HighErrorRate", "CriticalErrorRate"), "never the other way round");
  }

  @SuppressWarnings("unchecked")
  private static boolean inhibits(List<Map<String, Object>> rules, String source, String target) {
    return rules.stream().anyMatch(r ->
        ((List<String>) r.get("source_matchers")).contains("alertname=\"" + source + "\"")
            && ((List<String>) r.get("target_matchers")).contains("alertname=\"" + target + "\""));
  }

  @Test
  void secretsComeFromFilesNeverFromTheConfig() {
    String text = Repo.read(Repo.ALERTMANAGER);
    assertTrue(text.contains("routing_key_file:"), "PagerDuty routing key from a file");
    assertTrue(text.contains("api_url_file:"), "Slack webhook from a file");
    for (String literal : List.of("routing_key:", "service_key:", "api_url:", "slack_api_url:", "hooks.slack.com")) {
      assertFalse(text.contains(literal), "committed secret field " + literal);
    }
  }
}
