package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.TraceRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which tenant's trace a span joins. A trace is (trace id, tenant), and a span that names a tenant belongs to that
 * tenant's trace. A span that names none joins the trace it came with: the tenant of its message's root span, else of
 * the earliest span of the message that names one, else (a message of spans that name none, such as a late span) the
 * tenant already storing that trace id. Instrumentation often sets the tenant on the root only, and those spans belong
 * with their root. Only a write that is not bound to one tenant (authentication off, or a token of every tenant) can
 * send a span without a tenant: a tenant's token stamps its own on every span at ingest.
 */
public final class TraceTenants {
  private TraceTenants() {}

  /** The tenant the message's spans without one join, or null when none of its spans names a tenant. */
  public static String ownerOf(TraceRecord m) {
    Span earliestNamed = null;
    for (Span s : m.spans()) {
      if (s.tenantId() == null) {
        continue;
      }
      if (s.parentSpanId() == null) {
        return s.tenantId();
      }
      if (earliestNamed == null || s.startEpochMillis() < earliestNamed.startEpochMillis()) {
        earliestNamed = s;
      }
    }
    return earliestNamed == null ? null : earliestNamed.tenantId();
  }

  /** True when some span of the message names no tenant. */
  public static boolean hasSpanWithoutTenant(TraceRecord m) {
    for (Span s : m.spans()) {
      if (s.tenantId() == null) {
        return true;
      }
    }
    return false;
  }

  /** The message with {@code tenant} on each span that names none; the same message when there is nothing to do. */
  public static TraceRecord assign(TraceRecord m, String tenant) {
    if (tenant == null || !hasSpanWithoutTenant(m)) {
      return m;
    }
    List<Span> spans = new ArrayList<>(m.spans().size());
    for (Span s : m.spans()) {
      spans.add(s.tenantId() == null ? s.withTenantId(tenant) : s);
    }
    return new TraceRecord(m.traceId(), m.verdict(), m.spanCount(), m.rootCount(), m.orphanCount(), m.cycleCount(),
        m.duplicateCount(), m.firstSeenMillis(), m.emittedAtMillis(), spans);
  }

  /**
   * A message's spans by stored tenant, in order: one entry in practice (the aggregator assembles per tenant), more
   * when a trace's spans name several tenants. Every backend's writer groups by it.
   */
  public static Map<String, List<Span>> byStoredTenant(List<Span> spans) {
    String first = ReadScope.stored(spans.get(0).tenantId());
    boolean one = true;
    for (Span s : spans) {
      if (!ReadScope.stored(s.tenantId()).equals(first)) {
        one = false;
        break;
      }
    }
    if (one) {
      return Map.of(first, spans);
    }
    Map<String, List<Span>> out = new LinkedHashMap<>();
    for (Span s : spans) {
      out.computeIfAbsent(ReadScope.stored(s.tenantId()), k -> new ArrayList<>()).add(s);
    }
    return out;
  }
}
