package dev.swarm.pipeline.ingest.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SwarmSpanMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SwarmSpanMetrics metrics = new SwarmSpanMetrics(registry, new SwarmMetricsConfig(3));

  private static int ids;

  static Span span(String name, SpanStatus status, Long durationMs, String attributesJson) {
    String id = "s" + (++ids);
    return new Span(id, "t1", null, name, SpanKind.INTERNAL, status, 1_000L,
        durationMs == null ? null : 1_000L + durationMs, durationMs, "acme", "TCK-1", "agent-01",
        attributesJson, "[]", 0);
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  private Timer timer(String name, String... tags) {
    return registry.get(name).tags(tags).timer();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  @Test
  void anAbsurdDurationIsRecordedCappedAndTheRestOfTheRequestStillCounts() {
    metrics.record(List.of(
        span("vm.spawn", SpanStatus.OK, Long.MAX_VALUE, "{}"),
        span("vm.spawn", SpanStatus.OK, 10L, "{}")));
    Timer t = timer("swarm.span.duration", "span_name", "vm.spawn", "status", "ok");
    assertEquals(2, t.count());
    assertEquals(SwarmSpanMetrics.MAX_RECORDABLE_MS, t.max(TimeUnit.MILLISECONDS), 1.0);
  }

  @Test
  void httpRequestsByMethodNormalisedPathAndStatusCode() {
    metrics.record(List.of(
        span("http.request", SpanStatus.OK, 120L, "{\"method\":\"post\",\"path\":\"/api/tickets/TCK-9/run\",\"status_code\":200}"),
        span("http.request", SpanStatus.OK, 80L, "{\"method\":\"POST\",\"path\":\"/api/tickets/:id/run\",\"status_code\":200}"),
        span("http.request", SpanStatus.ERROR, 30_000L, "{\"method\":\"POST\",\"path\":\"/api/tickets/:id/run\",\"status_code\":503}")));
    assertEquals(2.0, counter("swarm.api.requests", "method", "POST", "path", "/api/tickets/:id/run", "status", "200"));
    assertEquals(1.0, counter("swarm.api.requests", "method", "POST", "path", "/api/tickets/:id/run", "status", "503"));
    Timer t = timer("swarm.api.request.duration", "method", "POST", "path", "/api/tickets/:id/run");
    assertEquals(3, t.count());
    assertEquals(30.2, t.totalTime(TimeUnit.SECONDS), 1e-9);
    // Explicit buckets: the histogram has a 30 s bucket the HighLatency alert can use.
    assertTrue(bucketCount(t, 30.0) >= 3.0);
    assertEquals(2.0, bucketCount(t, 0.25));
  }

  private static double bucketCount(Timer t, double seconds) {
    for (CountAtBucket b : t.takeSnapshot().histogramCounts()) {
      if (Math.abs(b.bucket(TimeUnit.SECONDS) - seconds) < 1e-9) {
        return b.count();
      }
    }
    throw new AssertionError("no bucket at " + seconds + " s");
  }

  @Test
  void missingOrBadStatusCodeIsUnknown() {
    metrics.record(span("http.request", SpanStatus.OK, 1L, "{\"method\":\"GET\",\"path\":\"/x\"}"));
    metrics.record(span("http.request", SpanStatus.OK, 1L, "{\"method\":\"GET\",\"path\":\"/x\",\"status_code\":\"teapot\"}"));
    assertEquals(2.0, counter("swarm.api.requests", "method", "GET", "path", "/x", "status", "unknown"));
    assertEquals("404", SwarmSpanMetrics.statusCode("404.0"));
    assertEquals("unknown", SwarmSpanMetrics.statusCode("42"));
  }

  @Test
  void ticketsClaimedCompletedAndFailed() {
    metrics.record(List.of(
        span("ticket.claim", SpanStatus.OK, 10L, "{\"queue_depth\":17}"),
        span("ticket.claim", SpanStatus.OK, 10L, "{\"queue_depth\":4}"),
        span("ticket.complete", SpanStatus.OK, 20L, "{\"duration_ms\":600000,\"outcome\":\"completed\"}"),
        span("ticket.complete", SpanStatus.ERROR, 20L, "{\"duration_ms\":1000,\"outcome\":\"push_failed\"}"),
        // Status ok but the outcome says it failed.
        span("ticket.complete", SpanStatus.OK, 20L, "{\"outcome\":\"vm_spawn_failed\"}"),
        // No outcome: the status decides.
        span("ticket.complete", SpanStatus.OK, 20L, "{}")));
    assertEquals(2.0, counter("swarm.tickets", "status", "claimed"));
    assertEquals(2.0, counter("swarm.tickets", "status", "completed"));
    assertEquals(2.0, counter("swarm.tickets", "status", "failed"));
    assertEquals(4.0, gauge("swarm.ticket.queue.depth"), "the last claim's depth");
    Timer d = timer("swarm.ticket.duration");
    assertEquals(4, d.count());
    // duration_ms attribute where present, else the span's own duration.
    assertEquals(600 + 1 + 0.02 + 0.02, d.totalTime(TimeUnit.SECONDS), 1e-9);
  }

  @Test
  void queueDepthGaugeAppearsWithTheFirstReportedDepth() {
    metrics.record(span("ticket.claim", SpanStatus.OK, 10L, "{}"));
    assertNull(registry.find("swarm.ticket.queue.depth").gauge());
    metrics.record(span("ticket.claim", SpanStatus.OK, 10L, "{\"queue_depth\":3}"));
    assertEquals(3.0, gauge("swarm.ticket.queue.depth"));
  }

  @Test
  void vmsActiveIsSuccessfulSpawnsMinusAgentExecutions() {
    assertEquals(0.0, gauge("swarm.vms.active"), "present from the start");
    metrics.record(List.of(
        span("vm.spawn", SpanStatus.OK, 800L, "{\"vm_id\":\"vm-1\",\"method\":\"warm_pool\"}"),
        span("vm.spawn", SpanStatus.OK, 4_000L, "{\"vm_id\":\"vm-2\",\"method\":\"cold\"}"),
        span("vm.spawn", SpanStatus.ERROR, 60_000L, "{\"vm_id\":\"vm-3\",\"method\":\"cold\"}")));
    assertEquals(2.0, gauge("swarm.vms.active"));
    assertEquals(1.0, counter("swarm.vm.spawn.failures"));
    assertEquals(1, timer("swarm.vm.spawn.duration", "method", "warm_pool").count());
    assertEquals(4.0, timer("swarm.vm.spawn.duration", "method", "cold").totalTime(TimeUnit.SECONDS), 1e-9,
        "failed spawns are not boot times");

    metrics.record(span("agent.execute", SpanStatus.OK, 300_000L, "{\"agent_type\":\"coder\"}"));
    assertEquals(1.0, gauge("swarm.vms.active"));
    // An agent.execute whose vm.spawn went to another ingest instance: this instance goes below zero.
    metrics.record(span("agent.execute", SpanStatus.ERROR, 60_000L, "{\"agent_type\":\"coder\"}"));
    metrics.record(span("agent.execute", SpanStatus.OK, 60_000L, "{\"agent_type\":\"reviewer\"}"));
    assertEquals(-1.0, gauge("swarm.vms.active"));
    assertEquals(-1, metrics.vmsActive());
    assertEquals(1.0, counter("swarm.agent.executions", "agent_type", "coder", "status", "ok"));
    assertEquals(1.0, counter("swarm.agent.executions", "agent_type", "coder", "status", "error"));
    assertEquals(0.0, counter("swarm.agent.executions", "agent_type", "reviewer", "status", "error"));
    assertEquals(360.0, timer("swarm.agent.execution.duration", "agent_type", "coder").totalTime(TimeUnit.SECONDS), 1e-9);
  }

  @Test
  void llmRequestsAndTokensByModel() {
    metrics.record(List.of(
        span("llm.generate", SpanStatus.OK, 5_000L, "{\"model\":\"claude-sonnet\",\"tokens\":1200}"),
        span("llm.generate", SpanStatus.OK, 5_000L, "{\"model\":\"claude-sonnet\",\"tokens\":800.0}"),
        span("llm.generate", SpanStatus.ERROR, 500L, "{\"model\":\"claude-opus\",\"tokens\":0}")));
    assertEquals(2.0, counter("swarm.llm.requests", "model", "claude-sonnet", "status", "ok"));
    assertEquals(1.0, counter("swarm.llm.requests", "model", "claude-opus", "status", "error"));
    assertEquals(2_000.0, counter("swarm.llm.tokens", "model", "claude-sonnet"));
    // A model's error series exists (at 0) from its first call, so increase() sees its first error.
    assertEquals(0.0, counter("swarm.llm.requests", "model", "claude-sonnet", "status", "error"));
    assertEquals(0.0, counter("swarm.llm.requests", "model", "claude-opus", "status", "ok"));
    assertNull(registry.find("swarm.llm.tokens").tag("model", "claude-opus").counter(), "no tokens, no series");
  }

  @Test
  void gitOperationsAndPullRequests() {
    metrics.record(List.of(
        span("git.clone", SpanStatus.OK, 3_000L, "{\"repo_url\":\"https://github.com/acme/x.git\"}"),
        span("git.commit", SpanStatus.OK, 50L, "{\"commit_sha\":\"abc\"}"),
        span("git.push", SpanStatus.ERROR, 900L, "{\"branch\":\"b\"}"),
        span("git.push", SpanStatus.OK, 900L, "{\"branch\":\"b\"}"),
        span("pr.create", SpanStatus.OK, 700L, "{\"pr_number\":12}"),
        span("pr.create", SpanStatus.ERROR, 700L, "{}")));
    assertEquals(1.0, counter("swarm.git.operations", "operation", "clone", "status", "ok"));
    assertEquals(1.0, counter("swarm.git.operations", "operation", "commit", "status", "ok"));
    assertEquals(1.0, counter("swarm.git.operations", "operation", "push", "status", "error"));
    assertEquals(1.0, counter("swarm.git.operations", "operation", "push", "status", "ok"));
    assertEquals(1.0, counter("swarm.prs.created"));
  }

  @Test
  void everySpanHasADurationAndForeignNamesAreLimited() {
    metrics.record(List.of(
        span("file.write", SpanStatus.OK, 40L, "{}"),
        span("db.query", SpanStatus.OK, 2L, "{}"),
        span("cache.get", SpanStatus.UNSET, 1L, "{}"),
        span("queue.poll", SpanStatus.OK, 1L, "{}"),
        span("one.too.many", SpanStatus.OK, 1L, "{}"),
        span("no.duration", SpanStatus.OK, null, "{}")));
    assertEquals(1, timer("swarm.span.duration", "span_name", "file.write", "status", "ok").count());
    assertEquals(1, timer("swarm.span.duration", "span_name", "cache.get", "status", "unset").count());
    // The limit is 3 here: db.query, cache.get, queue.poll; later names are 'other'.
    assertEquals(1, timer("swarm.span.duration", "span_name", "other", "status", "ok").count());
    assertEquals(1.0, counter("swarm.metrics.label.overflow", "label", "span_name"));
    // The eleven Swarm names never count against the limit.
    metrics.record(span("pr.create", SpanStatus.OK, 1L, "{}"));
    assertEquals(1, timer("swarm.span.duration", "span_name", "pr.create", "status", "ok").count());
  }

  @Test
  void labelValuesFromAttributesAreBounded() {
    for (String model : List.of("m1", "m2", "m3", "m4", "m5")) {
      metrics.record(span("llm.generate", SpanStatus.OK, 1L, "{\"model\":\"" + model + "\",\"tokens\":1}"));
    }
    assertEquals(2.0, counter("swarm.llm.requests", "model", "other", "status", "ok"));
    assertEquals(2.0, counter("swarm.llm.tokens", "model", "other"));
    assertEquals(2.0, counter("swarm.metrics.label.overflow", "label", "model"));
  }

  @Test
  void idsNeverBecomeLabels() {
    metrics.record(List.of(
        span("http.request", SpanStatus.OK, 1L, "{\"method\":\"GET\",\"path\":\"/api/tickets/TCK-1234\",\"status_code\":200}"),
        span("vm.spawn", SpanStatus.OK, 1L, "{\"vm_id\":\"vm-3fa2b1c0\",\"method\":\"warm_pool\"}"),
        span("agent.execute", SpanStatus.OK, 1L, "{\"agent_type\":\"coder\"}")));
    for (Meter m : registry.getMeters()) {
      for (var tag : m.getId().getTags()) {
        String v = tag.getValue();
        assertFalse(v.contains("TCK-") || v.contains("vm-3fa") || v.contains("agent-01") || v.equals("t1") || v.equals("acme"),
            m.getId() + " carries an id");
      }
    }
  }
}
