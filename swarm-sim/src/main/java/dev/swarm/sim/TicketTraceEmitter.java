package dev.swarm.sim;

import dev.swarm.sim.TicketPlan.AgentRun;
import dev.swarm.sim.TicketPlan.Failure;
import dev.swarm.sim.TicketPlan.LlmCall;
import dev.swarm.sim.TicketPlan.Outcome;
import dev.swarm.tracer.Scope;
import dev.swarm.tracer.Span;
import dev.swarm.tracer.SpanStatus;
import dev.swarm.tracer.SwarmSpans;
import dev.swarm.tracer.Tracer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link TicketPlan} into one trace through the tracer, exactly as instrumented platform code would
 * (current-span scopes and the {@link SwarmSpans} helpers), with the simulated clock set to each planned time
 * instead of waiting for it. Spans are started, given their attributes and statuses here, but not ended: the
 * caller gets each span with its planned end time ({@link Emitted#ends()}) and ends it at once or when that
 * time comes round in (scaled) wall-clock time. A span reaches the pipeline when it is ended.
 *
 * <pre>
 * http.request                  POST /api/tickets/:id/run, 200 (500 when the ticket failed)
 * ├── ticket.claim              queue_depth
 * │   └── vm.spawn              spawn request to VM ready (the boot time); event vm.ready
 * │       └── agent.execute     starts after vm.spawn ended, in the VM (absent when the spawn failed)
 * │           ├── git.clone
 * │           ├── llm.generate  × 1..6
 * │           ├── file.write
 * │           ├── git.commit
 * │           ├── git.push
 * │           └── pr.create     (absent when the push failed)
 * └── ticket.complete           outcome: completed | vm_spawn_failed | push_failed
 * </pre>
 */
final class TicketTraceEmitter {
  static final String REQUEST_PATH = "/api/tickets/:id/run";

  private final Tracer tracer;
  private final SwarmSpans swarm;
  private final SimClock clock;

  TicketTraceEmitter(Tracer tracer, SimClock clock) {
    this.tracer = tracer;
    this.swarm = tracer.swarm();
    this.clock = clock;
  }

  /** A started span and the epoch-millisecond time it is to end at. */
  record PendingEnd(Span span, long endEpochMillis) {
    void end() {
      span.end(endEpochMillis);
    }
  }

  /**
   * What one ticket produced: {@code ends} holds every span of the trace, not yet ended, in the order instrumented
   * code would end them (children before parents, which is also the order of their end times).
   */
  record Emitted(String traceId, int spans, int vmErrors, int llmErrors, int pushErrors, List<PendingEnd> ends) {}

  /** Emits the ticket's trace with the request starting at {@code base} (epoch milliseconds). */
  Emitted emit(TicketPlan plan, long base) {
    int[] counts = new int[4]; // spans, vm errors, llm errors, push errors
    List<PendingEnd> ends = new ArrayList<>(20);
    clock.set(base + plan.request().start());
    Span request = service(swarm.httpRequest("POST", REQUEST_PATH), API).setTenantId(plan.tenantId());
    try (Scope r = request.makeCurrent()) {
      clock.set(base + plan.claim().start());
      Span claim = service(swarm.ticketClaim(plan.ticketId(), plan.agentId(), plan.queueDepth()), SCHEDULER);
      try (Scope c = claim.makeCurrent()) {
        emitVm(plan, base, counts, ends);
      }
      claim.setStatus(SpanStatus.OK);
      ends.add(new PendingEnd(claim, base + plan.claim().end()));
      counts[0]++;

      clock.set(base + plan.complete().start());
      Span complete = service(swarm.ticketComplete(plan.complete().end() - plan.claim().start()), SCHEDULER);
      complete.setAttribute("outcome", plan.outcome().wire());
      complete.setStatus(plan.outcome() == Outcome.COMPLETED ? SpanStatus.OK : SpanStatus.ERROR);
      ends.add(new PendingEnd(complete, base + plan.complete().end()));
      counts[0]++;
    }
    SwarmSpans.httpResponse(request, plan.outcome() == Outcome.COMPLETED ? 200 : 500);
    ends.add(new PendingEnd(request, base + plan.request().end()));
    counts[0]++;
    return new Emitted(request.traceId(), counts[0], counts[1], counts[2], counts[3], List.copyOf(ends));
  }

  private void emitVm(TicketPlan plan, long base, int[] counts, List<PendingEnd> ends) {
    TicketPlan.VmSpawn planned = plan.vm();
    clock.set(base + planned.time().start());
    Span vm = service(swarm.vmSpawn(planned.vmId(), planned.method()), VM_MANAGER);
    if (planned.failure() != null) {
      clock.set(base + planned.time().end());
      fail(vm, planned.failure());
      counts[1]++;
    }
    // The span ends when the VM is ready (or failed): its duration is the spawn/boot time.
    ends.add(new PendingEnd(vm, base + planned.time().end()));
    counts[0]++;
    if (planned.failure() == null) {
      vm.addEvent(
          "vm.ready",
          base + planned.readyAt(),
          Map.of("boot_ms", planned.readyAt() - planned.time().start()));
      vm.setStatus(SpanStatus.OK);
      // The agent runs in the VM after it booted, as vm.spawn's child (the VM gets vm.spawn's context).
      try (Scope v = vm.makeCurrent()) {
        emitAgent(plan, plan.agent(), base, counts, ends);
      }
    }
  }

  private void emitAgent(TicketPlan plan, AgentRun run, long base, int[] counts, List<PendingEnd> ends) {
    clock.set(base + run.time().start());
    Span agent = service(swarm.agentExecute(plan.agentType()), AGENT);
    try (Scope a = agent.makeCurrent()) {
      clock.set(base + run.gitClone().start());
      ends.add(new PendingEnd(service(swarm.gitClone(run.repoUrl(), "main"), AGENT).setStatus(SpanStatus.OK), base + run.gitClone().end()));
      counts[0]++;

      for (LlmCall call : run.llmCalls()) {
        clock.set(base + call.time().start());
        Span llm = service(swarm.llmGenerate(call.model(), call.tokens()), AGENT);
        if (call.failure() != null) {
          clock.set(base + call.time().end());
          fail(llm, call.failure());
          counts[2]++;
        } else {
          llm.setStatus(SpanStatus.OK);
        }
        ends.add(new PendingEnd(llm, base + call.time().end()));
        counts[0]++;
      }

      clock.set(base + run.write().start());
      ends.add(new PendingEnd(service(swarm.fileWrite(run.fileCount(), run.bytes()), AGENT).setStatus(SpanStatus.OK), base + run.write().end()));
      clock.set(base + run.commit().start());
      ends.add(new PendingEnd(service(swarm.gitCommit(run.commitSha()), AGENT).setStatus(SpanStatus.OK), base + run.commit().end()));
      counts[0] += 2;

      clock.set(base + run.push().time().start());
      Span push = service(swarm.gitPush(run.push().branch()), AGENT);
      if (run.push().failure() != null) {
        clock.set(base + run.push().time().end());
        fail(push, run.push().failure());
        counts[3]++;
      } else {
        push.setStatus(SpanStatus.OK);
      }
      ends.add(new PendingEnd(push, base + run.push().time().end()));
      counts[0]++;

      if (run.pr() != null) {
        clock.set(base + run.pr().time().start());
        ends.add(new PendingEnd(service(swarm.prCreate(run.pr().number(), run.pr().url()), AGENT).setStatus(SpanStatus.OK), base + run.pr().time().end()));
        counts[0]++;
      }
    }
    agent.setStatus(run.push().failure() == null ? SpanStatus.OK : SpanStatus.ERROR);
    ends.add(new PendingEnd(agent, base + run.time().end()));
    counts[0]++;
  }

  // The services of a Swarm deployment, so the Zipkin and Tempo reads, Grafana and the UI show who did what.
  static final String API = "api";
  static final String SCHEDULER = "scheduler";
  static final String VM_MANAGER = "vm-manager";
  static final String AGENT = "agent";

  private static Span service(Span span, String name) {
    return span.setAttribute(SwarmSpans.SERVICE_NAME, name);
  }

  private static void fail(Span span, Failure failure) {
    span.recordException(failure.type(), failure.message());
  }
}
