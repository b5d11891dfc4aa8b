package dev.swarm.pipeline.ops;

import dev.swarm.pipeline.ingest.swarm.SwarmMetricsConfig;
import dev.swarm.pipeline.ingest.swarm.SwarmSpanMetrics;
import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cost of the span-derived metrics per span, on the app's Prometheus registry: a Swarm-like mix (the eleven types
 * in a ticket's proportions plus a foreign span name), recorded in batches of 10,000, best of 300 rounds.
 * Not a test (no timed assertions): run it by hand,
 * {@code mvn -q -B -pl ops-checks test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/ops.cp &&
 * java -cp ops-checks/target/test-classes:$(cat /tmp/ops.cp) dev.swarm.pipeline.ops.SwarmMetricsThroughput}.
 */
public final class SwarmMetricsThroughput {
  private SwarmMetricsThroughput() {}

  public static void main(String[] args) {
    String[][] kinds = {
      {"http.request", "{\"method\":\"POST\",\"path\":\"/api/tickets/:id/run\",\"status_code\":200}"},
      {"ticket.claim", "{\"queue_depth\":12}"},
      {"vm.spawn", "{\"vm_id\":\"vm-3fa2b1c0\",\"method\":\"warm_pool\"}"},
      {"agent.execute", "{\"agent_type\":\"coder\"}"},
      {"git.clone", "{\"repo_url\":\"https://github.com/acme/web-app.git\",\"branch\":\"main\"}"},
      {"llm.generate", "{\"model\":\"claude-sonnet\",\"tokens\":3000}"},
      {"llm.generate", "{\"model\":\"claude-haiku\",\"tokens\":1200}"},
      {"file.write", "{\"file_count\":3,\"bytes\":3000}"},
      {"git.commit", "{\"commit_sha\":\"9fceb02d0ae598e95dc970b74767f19372d61af8\"}"},
      {"git.push", "{\"branch\":\"swarm/tck-1234\"}"},
      {"pr.create", "{\"pr_number\":123,\"pr_url\":\"https://github.com/acme/web-app/pull/123\"}"},
      {"ticket.complete", "{\"duration_ms\":612000,\"outcome\":\"completed\"}"},
      {"db.query", "{\"statement\":\"select\"}"}};
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      String[] k = kinds[i % kinds.length];
      spans.add(new Span("s" + i, "t" + (i / 13), null, k[0], SpanKind.INTERNAL, SpanStatus.OK, 1_000L, 2_000L + i,
          1_000L + i, "acme", "TCK-1", "agent-01", k[1], "[]", 0));
    }
    SwarmSpanMetrics metrics = new SwarmSpanMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), SwarmMetricsConfig.defaults());
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 300; round++) {
      long start = System.nanoTime();
      metrics.record(spans);
      best = Math.min(best, System.nanoTime() - start);
    }
    System.out.printf(Locale.ROOT, "10,000 spans in %.2f ms (best of 300): %.0f ns a span%n", best / 1e6, best / 1e4);
  }
}
