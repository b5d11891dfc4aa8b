package dev.swarm.pipeline.storage.postgres;

import java.sql.Connection;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The writer contract against {@link PostgresTraceWriter} on a real PostgreSQL: one server and one migrated database
 * for the class, with day partitions from 2026-11-25 to 2026-11-29 (the contract's spans start at 2026-11-27 23:24,
 * and move a day either way), so rows cross partitions as they would in service; the tables are emptied per test.
 */
class PostgresTraceWriterContractTest extends TraceWriterContract {

  private static PostgresServer pg;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresServer.start();
    PostgresSchema.migrate(pg.database());
    try (Connection c = pg.database().connect()) {
      new PostgresPartitions().createAhead(c, LocalDate.of(2026, 11, 25), 4);
    }
  }

  @AfterAll
  static void stop() {
    pg.close();
  }

  @Override
  protected StoreUnderTest open() throws Exception {
    return new PostgresStore(pg.database());
  }
}
