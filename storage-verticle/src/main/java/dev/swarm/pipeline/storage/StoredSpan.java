package dev.swarm.pipeline.storage;

import java.util.Objects;

/**
 * One agent_traces row as stored: times are the contract's ISO text, attributes and events compact JSON text,
 * so the query API writes them out without re-encoding.
 */
public record StoredSpan(
    String traceId,
    String id,
    String parentSpanId,
    String spanName,
    String spanKind,
    String status,
    String startTime,
    String endTime,
    Long durationMs,
    String tenantId,
    String ticketId,
    String agentId,
    String attributesJson,
    String eventsJson) {

  public StoredSpan {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(startTime, "startTime");
  }
}
