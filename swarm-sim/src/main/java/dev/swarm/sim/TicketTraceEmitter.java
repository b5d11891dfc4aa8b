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
import java.util.Map;

/**
 * Turns a {@link TicketPlan} into one trace through the tracer, exactly as instrumented platform code would
 * (current-span scopes and the {@link SwarmSpans} helpers), with the simulated clock set to each planned time
 * instead of waiting for it:
 *
 * <pre>
 * http.request                  POST /api/tickets/:id/run, 200 (500 when the ticket failed)
 * ├── ticket.claim              queue_depth
 * │   └── vm.spawn              covers the VM's life; event vm.ready when booted
 * │       └── agent.execute     (absent when the spawn failed)
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

  /** What one ticket produced. */
  record Emitted(String traceId, int spans, int vmErrors, int llmErrors, int pushErrors) {}

  /** Emits the ticket's trace with the request starting at {@code base} (epoch milliseconds). */
  Emitted emit(TicketPlan plan, long base) {
    int[] counts = new int[4]; // spans, vm errors, llm errors, push errors
    clock.set(base + plan.request().start());
    Span request = swarm.httpRequest("POST", REQUEST_PATH).setTenantId(plan.tenantId());
    try (Scope r = request.makeCurrent()) {
      clock.set(base + plan.claim().start());
      Span claim = swarm.ticketClaim(plan.ticketId(), plan.agentId(), plan.queueDepth());
      try (Scope c = claim.makeCurrent()) {
        emitVm(plan, base, counts);
      }
      claim.setStatus(SpanStatus.OK).end(base + plan.claim().end());
      counts[0]++;

      clock.set(base + plan.complete().start());
      Span complete = swarm.ticketComplete(plan.complete().end() - plan.claim().start());
      complete.setAttribute("outcome", plan.outcome().wire());
      complete.setStatus(plan.outcome() == Outcome.COMPLETED ? SpanStatus.OK : SpanStatus.ERROR);
      complete.end(base + plan.complete().end());
      counts[0]++;
    }
    SwarmSpans.httpResponse(request, plan.outcome() == Outcome.COMPLETED ? 200 : 500);
    request.end(base + plan.request().end());
    counts[0]++;
    return new Emitted(request.traceId(), counts[0], counts[1], counts[2], counts[3]);
  }

  private void emitVm(TicketPlan plan, long base, int[] counts) {
    TicketPlan.VmSpawn planned = plan.vm();
    clock.set(base + planned.time().start());
    Span vm = swarm.vmSpawn(planned.vmId(), planned.method());
    if (planned.failure() != null) {
      clock.set(base + planned.time().end());
      fail(vm, planned.failure());
      counts[1]++;
    } else {
      vm.addEvent(
          "vm.ready",
          base + planned.readyAt(),
          Map.of("boot_ms", planned.readyAt() - planned.time().start()));
      vm.setStatus(SpanStatus.OK);
      try (Scope v = vm.makeCurrent()) {
        emitAgent(plan, plan.agent(), base, counts);
      }
    }
    vm.end(base + planned.time().end());
    counts[0]++;
  }

  private void emitAgent(TicketPlan plan, AgentRun run, long base, int[] counts) {
    clock.set(base + run.time().start());
    Span agent = swarm.agentExecute(plan.agentType());
    try (Scope a = agent.makeCurrent()) {
      clock.set(base + run.gitClone().start());
      swarm.gitClone(run.repoUrl(), "main").setStatus(SpanStatus.OK).end(base + run.gitClone().end());
      counts[0]++;

      for (LlmCall call : run.llmCalls()) {
        clock.set(base + call.time().start());
        Span llm = swarm.llmGenerate(call.model(), call.tokens());
        if (call.failure() != null) {
          clock.set(base + call.time().end());
          fail(llm, call.failure());
          counts[2]++;
        } else {
          llm.setStatus(SpanStatus.OK);
        }
        llm.end(base + call.time().end());
        counts[0]++;
      }

      clock.set(base + run.write().start());
      swarm.fileWrite(run.fileCount(), run.bytes()).setStatus(SpanStatus.OK).end(base + run.write().end());
      clock.set(base + run.commit().start());
      swarm.gitCommit(run.commitSha()).setStatus(SpanStatus.OK).end(base + run.commit().end());
      counts[0] += 2;

      clock.set(base + run.push().time().start());
      Span push = swarm.gitPush(run.push().branch());
      if (run.push().failure() != null) {
        clock.set(base + run.push().time().end());
        fail(push, run.push().failure());
        counts[3]++;
      } else {
        push.setStatus(SpanStatus.OK);
      }
      push.end(base + run.push().time().end());
      counts[0]++;

      if (run.pr() != null) {
        clock.set(base + run.pr().time().start());
        swarm.prCreate(run.pr().number(), run.pr().url()).setStatus(SpanStatus.OK).end(base + run.pr().time().end());
        counts[0]++;
      }
    }
    agent.setStatus(run.push().failure() == null ? SpanStatus.OK : SpanStatus.ERROR);
    agent.end(base + run.time().end());
    counts[0]++;
  }

  private static void fail(Span span, Failure failure) {
    span.recordException(failure.type(), failure.message());
  }
}
