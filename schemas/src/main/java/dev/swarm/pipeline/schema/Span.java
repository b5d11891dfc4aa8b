package dev.swarm.pipeline.schema;

import java.util.Objects;

/**
 * One validated, normalised span: the unit of the contract. Immutable.
 *
 * <p>Times are epoch milliseconds in UTC (the wire form is ISO-8601 {@code 2026-11-27T23:24:23.123Z}).
 * {@code attributesJson} and {@code eventsJson} hold compact JSON text (an object and an array) already in
 * normalised form, so consumers can store or forward them without re-encoding.
 *
 * @param parentSpanId null for a root span
 * @param endEpochMillis null when the span has no end time
 * @param durationMs null when neither duration nor end time is known; never negative
 * @param tenantId nullable
 * @param ticketId nullable
 * @param agentId nullable
 * @param eventCount number of elements in {@code eventsJson}
 */
public record Span(
    String id,
    String traceId,
    String parentSpanId,
    String spanName,
    SpanKind spanKind,
    SpanStatus status,
    long startEpochMillis,
    Long endEpochMillis,
    Long durationMs,
    String tenantId,
    String ticketId,
    String agentId,
    String attributesJson,
    String eventsJson,
    int eventCount) {

  public Span {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanName, "spanName");
    Objects.requireNonNull(spanKind, "spanKind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(attributesJson, "attributesJson");
    Objects.requireNonNull(eventsJson, "eventsJson");
  }

  /** This span with another tenant (the token's, when the span names none). */
  public Span withTenantId(String tenant) {
    return new Span(id, traceId, parentSpanId, spanName, spanKind, status, startEpochMillis, endEpochMillis, durationMs,
        tenant, ticketId, agentId, attributesJson, eventsJson, eventCount);
  }

  public boolean isRoot() {
    return parentSpanId == null;
  }
}
