package dev.swarm.tracer;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The Swarm ids ({@code tenant_id}, {@code ticket_id}, {@code agent_id}) carried between services in a W3C
 * {@code baggage} header, so spans of a ticket keep them in every service. Other baggage members are ignored;
 * values that are not valid pipeline ids are dropped rather than repaired (they came from outside).
 */
public final class SwarmBaggage {
  public static final String HEADER = "baggage";
  public static final String TENANT_ID = "tenant_id";
  public static final String TICKET_ID = "ticket_id";
  public static final String AGENT_ID = "agent_id";
  /** Longer headers are ignored whole (W3C suggests supporting at least 8192 bytes). */
  static final int MAX_HEADER_CHARS = 8192;

  private SwarmBaggage() {}

  /** The header value for these ids, or null when all are null. */
  public static String format(String tenantId, String ticketId, String agentId) {
    StringBuilder out = new StringBuilder();
    append(out, TENANT_ID, PipelineIds.sanitiseTenant(tenantId));
    append(out, TICKET_ID, PipelineIds.sanitise(ticketId));
    append(out, AGENT_ID, PipelineIds.sanitise(agentId));
    return out.length() == 0 ? null : out.toString();
  }

  /** {@code context} with the Swarm ids found in {@code header} (ids already set in it win). */
  public static SpanContext apply(SpanContext context, String header) {
    if (header == null || header.length() > MAX_HEADER_CHARS) {
      return context;
    }
    String tenant = null;
    String ticket = null;
    String agent = null;
    for (String member : header.split(",")) {
      int semicolon = member.indexOf(';');
      String pair = semicolon >= 0 ? member.substring(0, semicolon) : member;
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = pair.substring(0, eq).strip();
      String value = decode(pair.substring(eq + 1).strip());
      if (!PipelineIds.isValid(value)) {
        continue;
      }
      switch (key) {
        case TENANT_ID -> tenant = value;
        case TICKET_ID -> ticket = value;
        case AGENT_ID -> agent = value;
        default -> {
          // another system's baggage: not ours to interpret
        }
      }
    }
    return new SpanContext(
        context.traceId(),
        context.spanId(),
        context.tenantId() != null ? context.tenantId() : tenant,
        context.ticketId() != null ? context.ticketId() : ticket,
        context.agentId() != null ? context.agentId() : agent);
  }

  /** Appends {@code key=id} unless {@code id} (already made valid) is null. */
  private static void append(StringBuilder out, String key, String id) {
    if (id == null) {
      return;
    }
    if (out.length() > 0) {
      out.append(',');
    }
    // Pipeline ids use only characters baggage allows unencoded.
    out.append(key).append('=').append(id);
  }

  private static String decode(String value) {
    if (value.indexOf('%') < 0) {
      return value;
    }
    try {
      return URLDecoder.decode(value.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
