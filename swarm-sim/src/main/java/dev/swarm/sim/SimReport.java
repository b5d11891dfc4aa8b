package dev.swarm.sim;

import dev.swarm.tracer.ExportStats;
import io.vertx.core.json.JsonObject;
import java.util.Locale;

/**
 * What a run sent, printed when it ends: one JSON line (for scripts) and one sentence (for people).
 *
 * @param failedTickets tickets whose VM spawn or push failed (their ticket.complete has status error)
 * @param export the tracer's counters after its final flush
 */
public record SimReport(
    long seed,
    String target,
    long tickets,
    long failedTickets,
    long spans,
    long vmSpawnErrors,
    long llmErrors,
    long pushErrors,
    long elapsedMs,
    ExportStats export) {

  /** True when every span reached the pipeline. */
  public boolean allDelivered() {
    return export.exported() == spans && export.dropped() == 0 && export.failed() == 0;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("seed", seed)
        .put("target", target)
        .put("tickets", tickets)
        .put("failed_tickets", failedTickets)
        .put("spans", spans)
        .put(
            "errors",
            new JsonObject().put("vm_spawn", vmSpawnErrors).put("llm", llmErrors).put("push", pushErrors))
        .put("exported", export.exported())
        .put("dropped", export.dropped())
        .put("failed", export.failed())
        .put("elapsed_ms", elapsedMs);
  }

  public String humanLine() {
    return String.format(
        Locale.ROOT,
        "swarm-sim: %d tickets (%d failed: %d VM spawn failures, %d failed pushes; %d LLM errors), %d spans to %s"
            + " in %.1f s; exported %d, dropped %d, failed %d (seed %d)",
        tickets,
        failedTickets,
        vmSpawnErrors,
        pushErrors,
        llmErrors,
        spans,
        target,
        elapsedMs / 1000.0,
        export.exported(),
        export.dropped(),
        export.failed(),
        seed);
  }
}
