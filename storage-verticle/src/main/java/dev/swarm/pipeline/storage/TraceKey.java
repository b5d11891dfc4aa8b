package dev.swarm.pipeline.storage;

import io.vertx.core.json.JsonArray;
import java.util.Collection;
import java.util.Objects;

/**
 * A stored trace's identity: its id and its tenant, as stored ({@link ReadScope#NO_TENANT} for none). Two tenants
 * that use one trace id have two traces.
 */
public record TraceKey(String traceId, String tenantId) {

  public TraceKey {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(tenantId, "tenantId");
  }

  /**
   * The keys as one SQL parameter, {@code [["trace","tenant"],…]}, for
   * {@code (trace_id, tenant_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))}: one bound value whatever
   * the number of keys.
   */
  public static String json(Collection<TraceKey> keys) {
    JsonArray out = new JsonArray();
    for (TraceKey k : keys) {
      out.add(new JsonArray().add(k.traceId()).add(k.tenantId()));
    }
    return out.encode();
  }

  /** SQL of the keys in {@link #json}'s parameter, as rows of (trace_id, tenant_id). */
  public static final String SQL_KEYS = "SELECT value ->> 0, value ->> 1 FROM json_each(?)";
}
