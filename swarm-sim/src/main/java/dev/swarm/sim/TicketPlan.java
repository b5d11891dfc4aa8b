package dev.swarm.sim;

import java.util.List;

/**
 * Everything decided about one simulated ticket, with times as millisecond offsets from the start of its
 * {@code http.request}. {@link TicketPlanner} makes plans; {@link TicketTraceEmitter} turns them into spans.
 */
record TicketPlan(
    long number,
    String tenantId,
    String ticketId,
    String agentId,
    String agentType,
    long queueDepth,
    Interval request,
    Interval claim,
    VmSpawn vm,
    AgentRun agent,
    Interval complete,
    Outcome outcome) {

  enum Outcome {
    COMPLETED,
    VM_SPAWN_FAILED,
    PUSH_FAILED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record Interval(long start, long end) {
    Interval {
      if (end < start) {
        throw new IllegalArgumentException("end " + end + " before start " + start);
      }
    }

    long duration() {
      return end - start;
    }
  }

  /** The failure recorded on a span: an error type and a message (never secrets or prompt text). */
  record Failure(String type, String message) {}

  /**
   * {@code time} runs from the spawn request to the VM being ready (or to the failure); {@code readyAt} is when
   * the VM finished booting (the span's end, also marked by a {@code vm.ready} event), null when the spawn failed.
   */
  record VmSpawn(String vmId, String method, Interval time, Long readyAt, Failure failure) {}

  record LlmCall(String model, long tokens, Interval time, Failure failure) {}

  record Push(String branch, Interval time, Failure failure) {}

  record PullRequest(long number, String url, Interval time) {}

  /** Null in a plan whose VM failed to spawn; {@code pr} is null when the push failed. */
  record AgentRun(
      Interval time,
      String repoUrl,
      String branch,
      Interval gitClone,
      List<LlmCall> llmCalls,
      long fileCount,
      long bytes,
      Interval write,
      String commitSha,
      Interval commit,
      Push push,
      PullRequest pr) {}

  /** When the last span ends, relative to the request's start. */
  long totalMs() {
    return request.end();
  }
}
