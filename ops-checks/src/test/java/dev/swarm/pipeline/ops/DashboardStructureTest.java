package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.ops.Repo.AlertRule;
import dev.swarm.pipeline.ops.Repo.PanelQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The five dashboards, checked as Grafana would need them (no Grafana server can run here): importable JSON of
 * schema 38 or later, a Prometheus data-source variable used by every panel and query, a type, title,
 * description and unit on every panel, a PromQL expression on every query, unique ids.
 */
class DashboardStructureTest {
  private static final String DS_VARIABLE = "${datasource}";
  private static final Pattern METRIC = Pattern.compile("\\b((?:swarm|trace)_[a-z0-9_]+)");

  @Test
  void theFiveDashboardsExist() {
    for (String file : Repo.DASHBOARD_FILES) {
      assertTrue(Files.isRegularFile(Repo.DASHBOARDS.resolve(file)), file);
    }
  }

  @Test
  void everyDashboardIsImportableWithADataSourceVariable() {
    Set<String> uids = new HashSet<>();
    Set<String> titles = new HashSet<>();
    for (String file : Repo.DASHBOARD_FILES) {
      JsonObject d = Repo.json(Repo.DASHBOARDS.resolve(file));
      assertTrue(d.getInteger("schemaVersion") >= 38, file + " schemaVersion");
      assertTrue(uids.add(d.getString("uid")), file + " uid is unique");
      assertTrue(titles.add(d.getString("title")), file + " title is unique");
      assertTrue(d.getString("uid").length() <= 40, "Grafana uids are at most 40 characters");
      JsonArray variables = d.getJsonObject("templating").getJsonArray("list");
      JsonObject ds = variables.stream().map(JsonObject.class::cast)
          .filter(v -> "datasource".equals(v.getString("name"))).findFirst().orElse(null);
      assertNotNull(ds, file + " has a 'datasource' variable");
      assertEquals("datasource", ds.getString("type"), file);
      assertEquals("prometheus", ds.getString("query"), file);
    }
  }

  @Test
  void everyPanelHasTypeTitleDescriptionUnitAndQueriesOnTheVariable() {
    for (String file : Repo.DASHBOARD_FILES) {
      JsonObject d = Repo.json(Repo.DASHBOARDS.resolve(file));
      Set<Integer> ids = new HashSet<>();
      JsonArray panels = d.getJsonArray("panels");
      assertFalse(panels.isEmpty(), file);
      for (Object o : panels) {
        JsonObject p = (JsonObject) o;
        String where = file + " panel " + p.getValue("id") + " '" + p.getString("title") + "'";
        assertNotNull(p.getInteger("id"), where + " id");
        assertTrue(ids.add(p.getInteger("id")), where + " duplicate id");
        for (String field : List.of("type", "title", "description")) {
          assertFalse(p.getString(field, "").isBlank(), where + " lacks " + field);
        }
        assertFalse(p.getJsonObject("fieldConfig").getJsonObject("defaults").getString("unit", "").isBlank(), where + " unit");
        assertEquals(DS_VARIABLE, p.getJsonObject("datasource").getString("uid"), where + " datasource");
        assertEquals("prometheus", p.getJsonObject("datasource").getString("type"), where + " datasource type");
        JsonObject grid = p.getJsonObject("gridPos");
        assertTrue(grid.getInteger("w") > 0 && grid.getInteger("x") + grid.getInteger("w") <= 24, where + " gridPos");
        JsonArray targets = p.getJsonArray("targets");
        assertFalse(targets.isEmpty(), where + " has no targets");
        Set<String> refIds = new HashSet<>();
        for (Object t : targets) {
          JsonObject target = (JsonObject) t;
          assertFalse(target.getString("expr", "").isBlank(), where + " target without expr");
          assertTrue(refIds.add(target.getString("refId")), where + " duplicate refId");
          assertEquals(DS_VARIABLE, target.getJsonObject("datasource").getString("uid"), where + " target datasource");
        }
      }
    }
  }

  /** The panels the issue asks for, by the metrics and functions their queries use. */
  @Test
  void dashboardsHaveThePanelsTheIssueLists() {
    Map<String, List<String>> required = Map.of(
        "system-overview.json", List.of("sum(swarm_vms_active)", "swarm_tickets_total{status=\"completed\"}[1h]",
            "rate(swarm_api_requests_total", "status=~\"5..\"", "histogram_quantile(0.5,",
            "histogram_quantile(0.95,", "histogram_quantile(0.99,"),
        "agent-performance.json", List.of("swarm_agent_execution_duration_seconds_bucket",
            "swarm_agent_executions_total{status=\"ok\"}", "sum by (model) (rate(swarm_llm_tokens_total"),
        "vm-health.json", List.of("swarm_vm_spawn_duration_seconds_bucket", "swarm_vm_spawn_failures_total",
            "swarm_vm_spawn_duration_seconds_count", "swarm_agent_execution_duration_seconds_sum"),
        "ticket-pipeline.json", List.of("swarm_ticket_queue_depth", "swarm_ticket_duration_seconds_bucket",
            "rate(swarm_tickets_total"),
        "trace-pipeline.json", List.of("trace_ingest_spans_total", "trace_ingest_publish_seconds_bucket",
            "trace_aggregator_buffered_spans", "trace_aggregator_traces_emitted_total", "trace_storage_queue_spans",
            "trace_storage_batch_seconds_bucket", "trace_consumer_lag_records", "trace_storage_db_bytes",
            "trace_storage_disk_free_bytes"));
    Map<String, String> exprs = Repo.panelQueries().stream()
        .collect(Collectors.groupingBy(PanelQuery::dashboard, Collectors.mapping(PanelQuery::expr, Collectors.joining("\n"))));
    required.forEach((file, fragments) -> {
      for (String fragment : fragments) {
        assertTrue(exprs.get(file).contains(fragment), file + " has no query with " + fragment);
      }
    });
  }

  /** Every metric a dashboard, alert or runbook query uses is in the catalogue, so none is made up. */
  @Test
  void everyMetricUsedIsCatalogued() {
    String catalogue = Repo.read(Repo.METRICS_DOC);
    Set<String> missing = new TreeSet<>();
    List<String> exprs = new java.util.ArrayList<>(Repo.panelQueries().stream().map(PanelQuery::expr).toList());
    Repo.alertRules().stream().map(AlertRule::expr).forEach(exprs::add);
    exprs.addAll(Repo.runbookQueries());
    for (String expr : exprs) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        String name = m.group(1).replaceAll("_(bucket|count|sum)$", "");
        if (!catalogue.contains("`" + name + "`") && !catalogue.contains("`" + name + "{")) {
          missing.add(name);
        }
      }
    }
    assertTrue(missing.isEmpty(), "not in docs/metrics.md: " + missing);
  }
}
