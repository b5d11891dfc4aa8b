package dev.swarm.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.tracer.SwarmSpans;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Short simulator runs against a real HTTP server that collects what the tracer POSTs. */
class SwarmSimTest {
  private static Vertx vertx;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** 20 tickets sent as fast as the pacing allows. */
  private record Run(SimReport report, Map<String, List<JsonObject>> traces) {}

  private static Run run(long seed, double errorRate, double vmFailureRate) throws Exception {
    try (CollectingPipeline pipeline = new CollectingPipeline(vertx)) {
      SimOptions options = new SimOptions(pipeline.url(), 400, 0.05, 3, errorRate, vmFailureRate, seed);
      SimReport report =
          SwarmSim.run(vertx, options).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new Run(report, pipeline.traces());
    }
  }

  private static Map<String, JsonObject> byId(Collection<JsonObject> spans) {
    Map<String, JsonObject> byId = new HashMap<>();
    spans.forEach(s -> byId.put(s.getString("id"), s));
    return byId;
  }

  private static List<JsonObject> named(List<JsonObject> spans, String name) {
    return spans.stream().filter(s -> s.getString("span_name").equals(name)).toList();
  }

  @Test
  void everyTicketIsOneTraceShapedLikeTheDesignTable() throws Exception {
    Run run = run(42, 0, 0);
    assertEquals(20, run.report().tickets());
    assertEquals(20, run.traces().size());
    assertTrue(run.report().allDelivered(), run.report().humanLine());
    long received = run.traces().values().stream().mapToLong(List::size).sum();
    assertEquals(run.report().spans(), received);

    for (List<JsonObject> trace : run.traces().values()) {
      Map<String, JsonObject> byId = byId(trace);
      Set<String> types = trace.stream().map(s -> s.getString("span_name")).collect(Collectors.toSet());
      assertEquals(new HashSet<>(SwarmSpans.SPAN_TYPES), types, "all eleven types, nothing else");
      List<JsonObject> roots = trace.stream().filter(s -> !s.containsKey("parent_span_id")).toList();
      assertEquals(1, roots.size());
      assertEquals("http.request", roots.get(0).getString("span_name"));
      for (JsonObject span : trace) {
        String name = span.getString("span_name");
        assertEquals("ok", span.getString("status"), name);
        if (span.containsKey("parent_span_id")) {
          JsonObject parent = byId.get(span.getString("parent_span_id"));
          assertEquals(SwarmSpans.PARENT_TYPE.get(name), parent.getString("span_name"), name + "'s parent");
        }
        // Every span names its service: the request the api, claim and completion the scheduler, the VM its
        // manager, and the agent's own work the agent.
        String service = span.getJsonObject("attributes").getString("service.name");
        String expected = switch (name) {
          case "http.request" -> "api";
          case "ticket.claim", "ticket.complete" -> "scheduler";
          case "vm.spawn" -> "vm-manager";
          default -> "agent";
        };
        assertEquals(expected, service, name);
        // Swarm ids are first-class fields on every span.
        assertTrue(span.getString("tenant_id") != null && span.getString("ticket_id") != null, span::encode);
        assertTrue(span.getString("agent_id") != null, span::encode);
      }
      assertEquals(1, named(trace, "git.push").size());
      assertTrue(named(trace, "llm.generate").size() >= 1);
      JsonObject claim = named(trace, "ticket.claim").get(0);
      assertTrue(claim.getJsonObject("attributes").containsKey("queue_depth"));
      JsonObject llm = named(trace, "llm.generate").get(0).getJsonObject("attributes");
      assertTrue(TicketPlanner.MODELS.contains(llm.getString("model")));
      assertTrue(llm.getLong("tokens") > 0);
    }
  }

  /** A run's content without ids and absolute times: names, parents, statuses, Swarm ids, attributes, durations. */
  private static List<String> signature(Run run) {
    List<String> out = new ArrayList<>();
    for (List<JsonObject> trace : run.traces().values()) {
      Map<String, JsonObject> byId = byId(trace);
      for (JsonObject s : trace) {
        JsonObject parent = s.containsKey("parent_span_id") ? byId.get(s.getString("parent_span_id")) : null;
        out.add(
            String.join(
                "|",
                s.getString("span_name"),
                parent == null ? "-" : parent.getString("span_name"),
                s.getString("status"),
                s.getString("tenant_id"),
                s.getString("ticket_id"),
                s.getString("agent_id"),
                s.getJsonObject("attributes").encode(),
                String.valueOf(s.getLong("duration_ms")),
                s.getJsonArray("events").size() + " events"));
      }
    }
    return out;
  }

  @Test
  void aSeedMakesRunsRepeatable() throws Exception {
    List<String> first = signature(run(7, 0.3, 0.2));
    List<String> second = signature(run(7, 0.3, 0.2));
    assertEquals(first, second);
    assertNotEquals(first, signature(run(8, 0.3, 0.2)), "and different seeds differ");
  }

  @Test
  void noErrorsAtRateZero() throws Exception {
    Run run = run(3, 0, 0);
    assertEquals(0, run.report().failedTickets());
    assertTrue(run.traces().values().stream().flatMap(List::stream).noneMatch(s -> s.getString("status").equals("error")));
  }

  @Test
  void llmAndPushErrorsAtRateOne() throws Exception {
    Run run = run(5, 1.0, 0);
    assertEquals(20, run.report().failedTickets());
    assertEquals(20, run.report().pushErrors());
    for (List<JsonObject> trace : run.traces().values()) {
      for (JsonObject llm : named(trace, "llm.generate")) {
        assertEquals("error", llm.getString("status"));
        assertEquals(0, llm.getJsonObject("attributes").getLong("tokens"));
        assertEquals("exception", llm.getJsonArray("events").getJsonObject(0).getString("name"));
      }
      assertEquals("error", named(trace, "git.push").get(0).getString("status"));
      assertTrue(named(trace, "pr.create").isEmpty(), "no pull request after a failed push");
      assertEquals("error", named(trace, "agent.execute").get(0).getString("status"));
      JsonObject complete = named(trace, "ticket.complete").get(0);
      assertEquals("error", complete.getString("status"));
      assertEquals("push_failed", complete.getJsonObject("attributes").getString("outcome"));
      JsonObject request = named(trace, "http.request").get(0);
      assertEquals(500, request.getJsonObject("attributes").getInteger("status_code"));
    }
  }

  @Test
  void vmSpawnFailuresAtRateOneSkipTheAgent() throws Exception {
    Run run = run(9, 0, 1.0);
    assertEquals(20, run.report().vmSpawnErrors());
    for (List<JsonObject> trace : run.traces().values()) {
      assertEquals(
          Set.of("http.request", "ticket.claim", "vm.spawn", "ticket.complete"),
          trace.stream().map(s -> s.getString("span_name")).collect(Collectors.toSet()));
      JsonObject vm = named(trace, "vm.spawn").get(0);
      assertEquals("error", vm.getString("status"));
      assertFalse(vm.getJsonArray("events").isEmpty());
      assertEquals(
          "vm_spawn_failed", named(trace, "ticket.complete").get(0).getJsonObject("attributes").getString("outcome"));
    }
  }

  /**
   * With a time scale each span is sent when its end comes round: no span arrives before its end time, and a
   * ticket of real duration D is stamped to end D/N after it was started, so the spans of one ticket are spread
   * over wall time (this follows from the recorded times; nothing here depends on how fast the machine is).
   */
  @Test
  void timeScaleSendsEachSpanWhenItEnds() throws Exception {
    double scale = 100;
    long runStart = System.currentTimeMillis();
    SimReport report;
    Map<String, List<JsonObject>> traces;
    Map<String, Long> arrivals = new HashMap<>();
    try (CollectingPipeline pipeline = new CollectingPipeline(vertx)) {
      SimOptions options = new SimOptions(pipeline.url(), 400, 0.0125, 3, 0.2, 0.2, 13, scale);
      report = SwarmSim.run(vertx, options).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      traces = pipeline.traces();
      pipeline.spans().forEach(s -> arrivals.put(s.getString("id"), pipeline.arrivedAt(s.getString("id"))));
    }
    assertEquals(5, report.tickets());
    assertTrue(report.allDelivered(), report.humanLine());
    assertEquals(5, traces.size());
    long longestSpread = 0;
    for (List<JsonObject> trace : traces.values()) {
      for (JsonObject s : trace) {
        long end = java.time.Instant.parse(s.getString("end_time")).toEpochMilli();
        assertTrue(end <= arrivals.get(s.getString("id")), s.getString("span_name") + " arrived before it ended");
      }
      JsonObject root = named(trace, "http.request").get(0);
      long rootEnd = java.time.Instant.parse(root.getString("end_time")).toEpochMilli();
      long ticketMs = root.getLong("duration_ms");
      assertTrue(ticketMs > 1_000, "recorded durations stay real (uncompressed): " + ticketMs);
      assertTrue(rootEnd >= runStart + (long) Math.floor(ticketMs / scale),
          "the root ends its compressed duration after the ticket started");
      longestSpread = Math.max(longestSpread, rootEnd - runStart);
    }
    assertTrue(longestSpread >= 500, "tickets of minutes take seconds, not nothing: " + longestSpread);
  }

  @Test
  void spanTimesArePastAndNested() throws Exception {
    Run run = run(11, 0.2, 0.2);
    long now = System.currentTimeMillis();
    for (List<JsonObject> trace : run.traces().values()) {
      Map<String, JsonObject> byId = byId(trace);
      for (JsonObject s : trace) {
        long start = java.time.Instant.parse(s.getString("start_time")).toEpochMilli();
        long end = java.time.Instant.parse(s.getString("end_time")).toEpochMilli();
        assertTrue(end <= now, "no timestamps in the future");
        JsonObject parent = byId.get(s.getString("parent_span_id"));
        if (parent == null) {
          assertNull(s.getString("parent_span_id"));
          continue;
        }
        long pStart = java.time.Instant.parse(parent.getString("start_time")).toEpochMilli();
        long pEnd = java.time.Instant.parse(parent.getString("end_time")).toEpochMilli();
        if (s.getString("span_name").equals("agent.execute")) {
          // vm.spawn ends when the VM is ready; the agent runs in the VM after that.
          assertTrue(pEnd <= start, "agent.execute starts after vm.spawn ended");
          continue;
        }
        assertTrue(pStart <= start && end <= pEnd, s.getString("span_name") + " within " + parent.getString("span_name"));
      }
    }
  }
}
