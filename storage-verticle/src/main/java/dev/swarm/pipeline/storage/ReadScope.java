package dev.swarm.pipeline.storage;

import io.vertx.ext.web.RoutingContext;

/**
 * Whose traces a read may see. Authentication puts the caller's tenant into the request's context under
 * {@link #TENANT}; every read route passes it into its storage query, which filters by it in SQL (never after), so
 * another tenant's traces do not exist for the caller: a trace of another tenant is answered 404 like an unknown one.
 * No tenant in the context (authentication off, or a token of every tenant without {@code X-Scope-OrgID}) reads every
 * tenant.
 */
public final class ReadScope {

  /** Context key of the tenant a request may read; absent = every tenant. */
  public static final String TENANT = "swarm.read-tenant";

  /**
   * How storage spells "no tenant" in a key column: spans without a tenant are stored with the empty string, as a
   * tenant id is never empty, so the key (trace_id, tenant_id, id) never holds NULL (SQLite would treat NULLs in a
   * key as all different, and a replay would duplicate rows).
   */
  public static final String NO_TENANT = "";

  private ReadScope() {}

  /** The tenant the request may read, or null for every tenant. */
  public static String tenantOf(RoutingContext ctx) {
    return ctx.get(TENANT);
  }

  /** A span's tenant as stored in key columns. */
  public static String stored(String tenantId) {
    return tenantId == null ? NO_TENANT : tenantId;
  }

  /** A stored tenant as the API says it: null for none. */
  public static String shown(String storedTenant) {
    return storedTenant == null || storedTenant.isEmpty() ? null : storedTenant;
  }
}
