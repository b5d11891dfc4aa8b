package dev.swarm.pipeline.app.ui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Native spans shaped like the Swarm's (docs/instrumentation.md): one ticket's trace with the eleven stages in
 * their parent structure, failures as the simulator makes them, and big or odd traces for the UI tests.
 */
final class SwarmTraces {
  enum Outcome { COMPLETED, PUSH_FAILED, VM_FAILED }

  record Llm(String model, int tokens, boolean failed) {}

  private final String traceId;
  private final Instant t0;
  private final JsonArray spans = new JsonArray();
  private String tenant = "acme";
  private String ticket;
  private String agent = "agent-01";

  SwarmTraces(String traceId, Instant t0) {
    this.traceId = traceId;
    this.t0 = t0;
  }

  SwarmTraces ids(String tenant, String ticket, String agent) {
    this.tenant = tenant;
    this.ticket = ticket;
    this.agent = agent;
    return this;
  }

  static String traceId() {
    return hex(32);
  }

  static String spanId() {
    return hex(16);
  }

  private static String hex(int n) {
    StringBuilder b = new StringBuilder(n);
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < n; i++) {
      b.append(Character.forDigit(r.nextInt(16), 16));
    }
    return b.toString();
  }

  JsonArray spans() {
    return spans;
  }

  /** Adds a span starting offsetMs after t0; returns it for more fields. */
  JsonObject span(String id, String parent, String name, String kind, long offsetMs, long durationMs, String status,
      JsonObject attributes) {
    JsonObject s = new JsonObject().put("id", id).put("trace_id", traceId).put("span_name", name)
        .put("span_kind", kind).put("status", status)
        .put("start_time", t0.plusMillis(offsetMs).toString())
        .put("end_time", t0.plusMillis(offsetMs + durationMs).toString())
        .put("tenant_id", tenant).put("agent_id", agent)
        .put("attributes", attributes == null ? new JsonObject() : attributes);
    // The services of a Swarm deployment, as swarm-sim names them, unless the caller set one.
    JsonObject attrs = s.getJsonObject("attributes");
    if (!attrs.containsKey("service.name")) {
      attrs.put("service.name", switch (name) {
        case "http.request" -> "api";
        case "ticket.claim", "ticket.complete" -> "scheduler";
        case "vm.spawn" -> "vm-manager";
        default -> "agent";
      });
    }
    if (ticket != null) {
      s.put("ticket_id", ticket);
    }
    if (parent != null) {
      s.put("parent_span_id", parent);
    }
    spans.add(s);
    return s;
  }

  static JsonObject attrs(Object... kv) {
    JsonObject o = new JsonObject();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      o.put((String) kv[i], kv[i + 1]);
    }
    return o;
  }

  private static JsonArray exception(Instant at, String type, String message) {
    return new JsonArray().add(new JsonObject().put("name", "exception").put("time", at.toString())
        .put("attributes", attrs("type", type, "message", message)));
  }

  /** One ticket's trace: http.request > ticket.claim > vm.spawn > agent.execute > …, ticket.complete under the claim. */
  static SwarmTraces ticket(String traceId, String tenant, String ticketId, String agentId, Instant t0, Outcome outcome,
      List<Llm> llms) {
    SwarmTraces t = new SwarmTraces(traceId, t0).ids(tenant, ticketId, agentId);
    String http = spanId();
    String claim = spanId();
    String vm = spanId();
    long at = 30;
    long vmDur = outcome == Outcome.VM_FAILED ? 4200 : 900;
    JsonObject vmSpan = t.span(vm, claim, "vm.spawn", "client", at, vmDur, outcome == Outcome.VM_FAILED ? "error" : "ok",
        attrs("vm_id", "vm-" + hex(8), "method", outcome == Outcome.VM_FAILED ? "cold" : "warm_pool"));
    if (outcome == Outcome.VM_FAILED) {
      vmSpan.put("events", exception(t0.plusMillis(at + vmDur), "VmBootTimeout", "VM did not boot in time"));
    } else {
      vmSpan.put("events", new JsonArray().add(new JsonObject().put("name", "vm.ready")
          .put("time", t0.plusMillis(at + vmDur).toString()).put("attributes", attrs("boot_ms", vmDur))));
    }
    at += vmDur + 20;
    if (outcome != Outcome.VM_FAILED) {
      String agentSpan = spanId();
      long agentStart = at;
      at += 5;
      t.span(spanId(), agentSpan, "git.clone", "client", at, 2400, "ok",
          attrs("repo_url", "https://github.com/" + tenant + "/data-pipeline.git", "branch", "main"));
      at += 2410;
      for (Llm llm : llms) {
        long d = 1500 + (llm.tokens() % 7) * 300L;
        JsonObject s = t.span(spanId(), agentSpan, "llm.generate", "client", at, d, llm.failed() ? "error" : "ok",
            attrs("model", llm.model(), "tokens", llm.failed() ? 0 : llm.tokens()));
        if (llm.failed()) {
          s.put("events", exception(t0.plusMillis(at + d), "RateLimited", "model API answered 429"));
        }
        at += d + 10;
      }
      t.span(spanId(), agentSpan, "file.write", "internal", at, 60, "ok", attrs("file_count", 12, "bytes", 48213));
      at += 70;
      t.span(spanId(), agentSpan, "git.commit", "internal", at, 80, "ok", attrs("commit_sha", hex(40)));
      at += 90;
      boolean pushFailed = outcome == Outcome.PUSH_FAILED;
      JsonObject push = t.span(spanId(), agentSpan, "git.push", "client", at, 600, pushFailed ? "error" : "ok",
          attrs("branch", "swarm/" + ticketId.toLowerCase()));
      if (pushFailed) {
        push.put("events", exception(t0.plusMillis(at + 600), "PushRejected", "remote rejected the push"));
      }
      at += 610;
      if (!pushFailed) {
        t.span(spanId(), agentSpan, "pr.create", "client", at, 1400, "ok",
            attrs("pr_number", 2405, "pr_url", "https://github.com/" + tenant + "/data-pipeline/pull/2405"));
        at += 1410;
      }
      t.span(agentSpan, vm, "agent.execute", "internal", agentStart, at - agentStart, pushFailed ? "error" : "ok",
          attrs("agent_type", "coder"));
      at += 10;
    }
    String outcomeText = switch (outcome) {
      case COMPLETED -> "completed";
      case PUSH_FAILED -> "push_failed";
      case VM_FAILED -> "vm_spawn_failed";
    };
    t.span(spanId(), claim, "ticket.complete", "internal", at, 25, outcome == Outcome.COMPLETED ? "ok" : "error",
        attrs("duration_ms", at + 25 - 5, "outcome", outcomeText));
    at += 30;
    t.span(claim, http, "ticket.claim", "internal", 5, at - 5, "ok", attrs("queue_depth", 4));
    t.span(http, null, "http.request", "server", 0, at + 5, outcome == Outcome.COMPLETED ? "ok" : "error",
        attrs("method", "POST", "path", "/api/tickets/:id/run", "status_code", outcome == Outcome.COMPLETED ? 200 : 500));
    return t;
  }

  /**
   * A big trace of exactly 1 + agents + agents × perAgent spans: a root, agents "agent.execute" children, each with
   * perAgent children. The very last span in tree order is named "last.span".
   */
  static SwarmTraces big(String traceId, Instant t0, int agents, int perAgent) {
    SwarmTraces t = new SwarmTraces(traceId, t0).ids("acme", "T-BIG-" + traceId.substring(0, 6), "agent-big");
    String root = "root";
    long total = (long) agents * (perAgent + 1) * 10 + 100;
    t.span(root, null, "http.request", "server", 0, total, "ok", attrs("method", "POST", "path", "/api/tickets/:id/run"));
    long at = 10;
    String[] names = {"llm.generate", "file.write", "git.commit", "tool.call"};
    for (int a = 0; a < agents; a++) {
      String agentId = "a" + a;
      t.span(agentId, root, "agent.execute", "internal", at, perAgent * 10L + 5, "ok", attrs("agent_type", "coder", "index", a));
      for (int c = 0; c < perAgent; c++) {
        boolean last = a == agents - 1 && c == perAgent - 1;
        String name = last ? "last.span" : names[c % names.length];
        JsonObject attrs = name.equals("llm.generate") ? attrs("model", c % 8 == 0 ? "claude-opus" : "claude-sonnet", "tokens", 100 + c)
            : attrs("n", c);
        t.span(agentId + "-" + c, agentId, name, "internal", at + 1 + c * 10L, 8, c % 97 == 5 ? "error" : "ok", attrs);
      }
      at += perAgent * 10L + 10;
    }
    return t;
  }

  /** A chain depth spans deep: each span the only child of the one before. The deepest is "chain.end". */
  static SwarmTraces chain(String traceId, Instant t0, int depth) {
    SwarmTraces t = new SwarmTraces(traceId, t0).ids("acme", "T-DEEP-" + traceId.substring(0, 6), "agent-deep");
    for (int i = 0; i < depth; i++) {
      t.span("c" + i, i == 0 ? null : "c" + (i - 1), i == depth - 1 ? "chain.end" : "step", "internal", i, 2L * depth - 2L * i, "ok", null);
    }
    return t;
  }
}
