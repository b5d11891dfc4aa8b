package dev.swarm.pipeline.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.ingest.swarm.SwarmMetricsConfig;
import dev.swarm.pipeline.ingest.swarm.SwarmSpanMetrics;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The span-derived metrics render under exactly the names the design, dashboards and alerts use, through the
 * same Prometheus registry the app serves /metrics from (its naming rules add _total and _seconds and strip
 * some suffixes, so this is checked on the real rendering, not on Micrometer's dotted names).
 */
class SwarmMetricNamesTest {

  private static Span span(String name, SpanStatus status, String attributes) {
    return new Span("s-" + name, "t1", null, name, SpanKind.INTERNAL, status, 1_000L, 2_000L, 1_000L,
        "acme", "TCK-1", "agent-01", attributes, "[]", 0);
  }

  @Test
  void everySwarmMetricRendersUnderItsCatalogueName() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SwarmSpanMetrics metrics = new SwarmSpanMetrics(registry, SwarmMetricsConfig.defaults());
    metrics.record(List.of(
        span("http.request", SpanStatus.OK, "{\"method\":\"POST\",\"path\":\"/api/tickets/:id/run\",\"status_code\":200}"),
        span("ticket.claim", SpanStatus.OK, "{\"queue_depth\":3}"),
        span("vm.spawn", SpanStatus.OK, "{\"vm_id\":\"vm-1\",\"method\":\"warm_pool\"}"),
        span("vm.spawn", SpanStatus.ERROR, "{\"vm_id\":\"vm-2\",\"method\":\"cold\"}"),
        span("agent.execute", SpanStatus.OK, "{\"agent_type\":\"coder\"}"),
        span("git.clone", SpanStatus.OK, "{}"),
        span("llm.generate", SpanStatus.OK, "{\"model\":\"claude-sonnet\",\"tokens\":100}"),
        span("file.write", SpanStatus.OK, "{}"),
        span("git.commit", SpanStatus.OK, "{}"),
        span("git.push", SpanStatus.OK, "{}"),
        span("pr.create", SpanStatus.OK, "{}"),
        span("ticket.complete", SpanStatus.OK, "{\"duration_ms\":5000,\"outcome\":\"completed\"}")));
    String scrape = registry.scrape();
    Set<String> names = scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toSet());
    List<String> expected = List.of(
        "swarm_vms_active", "swarm_tickets_total", "swarm_api_requests_total",
        "swarm_api_request_duration_seconds_bucket", "swarm_ticket_duration_seconds_bucket",
        "swarm_ticket_queue_depth", "swarm_vm_spawn_duration_seconds_bucket", "swarm_vm_spawn_failures_total",
        "swarm_agent_executions_total", "swarm_agent_execution_duration_seconds_bucket", "swarm_llm_requests_total",
        "swarm_llm_tokens_total", "swarm_git_operations_total", "swarm_prs_created_total",
        "swarm_span_duration_seconds_bucket", "swarm_metrics_label_overflow_total");
    for (String name : expected) {
      assertTrue(names.contains(name), name + " missing; swarm names rendered: "
          + names.stream().filter(n -> n.startsWith("swarm")).sorted().toList());
    }
    assertTrue(scrape.contains("swarm_api_requests_total{method=\"POST\",path=\"/api/tickets/:id/run\",status=\"200\"} 1.0"), scrape);
    assertTrue(scrape.contains("swarm_api_request_duration_seconds_bucket{method=\"POST\",path=\"/api/tickets/:id/run\",le=\"30.0\"} 1"), scrape);
    assertTrue(scrape.contains("swarm_tickets_total{status=\"completed\"} 1.0"), scrape);
  }
}
