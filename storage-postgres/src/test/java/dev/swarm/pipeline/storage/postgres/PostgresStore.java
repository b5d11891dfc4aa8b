package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;

import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.storage.ReadPools;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * {@link PostgresTraceWriter} on a migrated database of a {@link PostgresServer}; the tables are emptied when the
 * store opens, so the tests of a class can share one database (and its day partitions).
 */
final class PostgresStore implements StoreUnderTest {

  final Vertx vertx = Vertx.vertx();
  private final PostgresServer.Database db;
  final PostgresTraceWriter writer;
  /** The query API's connections, made on first use. */
  private Pool readPool;

  PostgresStore(PostgresServer.Database db) throws SQLException {
    this.db = db;
    execute("TRUNCATE agent_traces, trace_summaries, service_span_names, trace_services",
        "DROP TRIGGER IF EXISTS refuse_summaries ON trace_summaries");
    writer = PostgresTraceWriter.create(vertx, PgConnectOptions.fromUri(db.uri()));
  }

  /** Another writer on the same database (its own connection and service-index memory). */
  PostgresTraceWriter newWriter() {
    return PostgresTraceWriter.create(vertx, PgConnectOptions.fromUri(db.uri()));
  }

  @Override
  public Future<WriteResult> write(List<TraceRecord> batch) {
    return writer.write(batch);
  }

  @Override
  public Connection connect() throws SQLException {
    return db.connect();
  }

  /** One vertx-pg-client pool for all three lanes, statements cached as the service would. */
  @Override
  public synchronized TraceQueryService queries(int maxTraceSpans) {
    if (readPool == null) {
      readPool = PgBuilder.pool()
          .with(new PoolOptions().setMaxSize(4).setName("trace-query-postgres-test"))
          .connectingTo(PgConnectOptions.fromUri(db.uri()).setCachePreparedStatements(true))
          .using(vertx)
          .build();
    }
    return new TraceQueryService(vertx, ReadPools.single(readPool), maxTraceSpans, PostgresReadSql.INSTANCE);
  }

  /** 456 microseconds past {@code iso}: the answer shows milliseconds, as SQLite stores them. */
  @Override
  public void setWriteTimes(String iso) throws SQLException {
    execute("UPDATE trace_summaries SET updated_at = '" + iso + "'::timestamptz + interval '456 microseconds'");
  }

  @Override
  public void refuseSummariesOf(String traceId) throws SQLException {
    execute("CREATE OR REPLACE FUNCTION refuse_summaries() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " IF NEW.trace_id = '" + traceId + "' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;"
            + " RETURN NEW; END $$",
        "CREATE TRIGGER refuse_summaries BEFORE INSERT OR UPDATE ON trace_summaries FOR EACH ROW"
            + " EXECUTE FUNCTION refuse_summaries()");
  }

  @Override
  public void allowSummaries() throws SQLException {
    execute("DROP TRIGGER refuse_summaries ON trace_summaries");
  }

  @Override
  public String indexKey(String name) {
    return PostgresText.key(name);
  }

  @Override
  public String storedText(String text) {
    return PostgresText.text(text);
  }

  @Override
  public String normalised(ResultSet rs, int column, String typeName) throws SQLException {
    switch (typeName) {
      case "timestamptz": {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : Timestamps.formatIso(t.toInstant().toEpochMilli());
      }
      case "bool": {
        boolean b = rs.getBoolean(column);
        return rs.wasNull() ? null : b ? "1" : "0";
      }
      default:
        return rs.getString(column); // json comes back as the text stored
    }
  }

  @Override
  public void close() {
    if (readPool != null) {
      await(readPool.close());
    }
    await(writer.close());
    await(vertx.close());
  }
}
