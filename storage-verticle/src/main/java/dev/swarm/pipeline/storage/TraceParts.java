package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How every backend's writer splits a batch into traces: a trace is (trace id, stored tenant), so the spans of one
 * message that name different tenants go to different traces; and which traces may take their summary straight
 * from the aggregator's message rather than recompute it from their stored spans.
 */
public final class TraceParts {
  private TraceParts() {}

  /** The spans of one message that belong to one trace; {@code split} when the message held other tenants too. */
  public record Part(TraceRecord message, List<Span> spans, boolean split) {}

  /** Adds the parts of message {@code m} to {@code byTrace}, one per stored tenant of its spans (none if empty). */
  public static void add(Map<TraceKey, List<Part>> byTrace, TraceRecord m) {
    if (m.spans().isEmpty()) {
      return; // nothing to store; a trace message always carries spans in practice
    }
    Map<String, List<Span>> byTenant = TraceTenants.byStoredTenant(m.spans());
    for (Map.Entry<String, List<Span>> e : byTenant.entrySet()) {
      byTrace.computeIfAbsent(new TraceKey(m.traceId(), e.getKey()), k -> new ArrayList<>(1))
          .add(new Part(m, e.getValue(), byTenant.size() > 1));
    }
  }

  /**
   * The trace's summary from the aggregator's message, or null when it must be recomputed from the stored spans:
   * the message's counts describe the whole message, so they serve only a first, non-late message that is this
   * trace's alone.
   */
  public static TraceSummary fromMessageIfAlone(TraceKey key, List<Part> parts, boolean alreadyStored) {
    Part only = parts.get(0);
    if (parts.size() == 1 && !only.split() && only.message().verdict() != TraceVerdict.LATE && !alreadyStored) {
      return TraceSummary.fromMessage(only.message(), key.tenantId());
    }
    return null;
  }

  /** The parts' messages, in batch order. */
  public static List<TraceRecord> messages(List<Part> parts) {
    return parts.stream().map(Part::message).toList();
  }
}
