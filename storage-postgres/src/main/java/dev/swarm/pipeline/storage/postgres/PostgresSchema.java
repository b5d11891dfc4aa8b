package dev.swarm.pipeline.storage.postgres;

import java.util.List;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a PostgreSQL database to the newest trace schema with Flyway: the {@code V<n>__*.sql} scripts under
 * {@link #LOCATION}, each applied once, in its own transaction, recorded in {@code flyway_schema_history}. Blocking
 * (JDBC): run it once at start, off the event loop, then make the day partitions with {@link PostgresPartitions}.
 */
public final class PostgresSchema {

  /** Classpath folder of the migrations. */
  public static final String LOCATION = "db/postgres";

  /** The partitioned tables V1 makes, each with a {@code <table>_default} partition. */
  public static final List<String> PARTITIONED_TABLES = List.of("agent_traces", "trace_summaries", "trace_services");

  private PostgresSchema() {}

  /** The Flyway set-up for this schema on the database at {@code jdbcUrl}. */
  public static Flyway flyway(String jdbcUrl, String user, String password) {
    return Flyway.configure(PostgresSchema.class.getClassLoader())
        .dataSource(jdbcUrl, user, password)
        .locations("classpath:" + LOCATION)
        .failOnMissingLocations(true)
        .load();
  }

  /** Applies the pending migrations; returns how many were applied now (0 when up to date). */
  public static int migrate(String jdbcUrl, String user, String password) {
    MigrateResult result = flyway(jdbcUrl, user, password).migrate();
    return result.migrationsExecuted;
  }

  /** As {@link #migrate(String, String, String)} on a harness database. */
  public static int migrate(PostgresServer.Database db) {
    return migrate(db.jdbcUrl(), db.user(), db.password());
  }
}
