package dev.swarm.pipeline.storage.postgres;

import java.sql.Connection;
import java.time.LocalDate;

/**
 * The read contract against PostgreSQL: PostgresTraceWriter and TraceQueryService with {@link PostgresReadSql} over a
 * vertx-pg-client pool, on one real server for the class, a migrated database per store with day partitions from
 * 2026-11-25 to 2026-11-29 (the traces of the year 0000 and 9999 land in the DEFAULT partitions), every answer
 * compared with SQLite's for the same traces.
 */
class PostgresTraceReadContractTest extends TraceReadContract {

  private PostgresServer pg;

  @Override
  protected StoreUnderTest open(String name) throws Exception {
    if (pg == null) {
      pg = PostgresServer.start();
    }
    PostgresServer.Database db = pg.createDatabase(name);
    PostgresSchema.migrate(db);
    try (Connection c = db.connect()) {
      new PostgresPartitions().createAhead(c, LocalDate.of(2026, 11, 25), 4);
    }
    return new PostgresStore(db);
  }

  @Override
  protected void closeBackend() {
    if (pg != null) {
      pg.close();
    }
  }
}
