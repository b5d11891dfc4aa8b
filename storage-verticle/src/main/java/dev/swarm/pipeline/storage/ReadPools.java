package dev.swarm.pipeline.storage;

import io.vertx.sqlclient.Pool;
import java.util.Objects;

/**
 * The query API's reader connections, in three lanes so one kind of read cannot starve another: heavy scans (a
 * span-name or tag search probes each candidate trace's rows) never hold every search connection, and reads of one
 * trace by id never wait behind either.
 *
 * @param searches searches answered from trace summaries and their indexes
 * @param scans searches that probe the spans of each candidate trace
 * @param pointReads reads of one trace by id
 */
public record ReadPools(Pool searches, Pool scans, Pool pointReads) {

  public ReadPools {
    Objects.requireNonNull(searches, "searches");
    Objects.requireNonNull(scans, "scans");
    Objects.requireNonNull(pointReads, "pointReads");
  }

  /** Every read on one pool (tests, small tools). */
  public static ReadPools single(Pool pool) {
    return new ReadPools(pool, pool, pool);
  }
}
