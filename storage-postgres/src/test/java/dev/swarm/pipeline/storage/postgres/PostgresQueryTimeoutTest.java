package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.storage.TraceQueryRoutes;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.Test;

/**
 * A read PostgreSQL stops at its {@code statement_timeout} (how the query API's time limit is set on PostgreSQL) is
 * answered as SQLite's interrupted read is: 503 "query took too long" ({@link TraceQueryRoutes#tookTooLong}), from
 * the error a real server sends.
 */
class PostgresQueryTimeoutTest {

  @Test
  void aStatementStoppedAtItsTimeoutTookTooLong() {
    Vertx vertx = Vertx.vertx();
    try (PostgresServer pg = PostgresServer.start()) {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
          .connectingTo(PgConnectOptions.fromUri(pg.database().uri()).addProperty("statement_timeout", "100"))
          .using(vertx).build();
      try {
        Throwable stopped = awaitFailure(pool.query("SELECT pg_sleep(5)").execute());
        assertTrue(TraceQueryRoutes.tookTooLong(stopped), String.valueOf(stopped));
        Throwable other = awaitFailure(pool.query("SELECT 1 / 0").execute());
        assertFalse(TraceQueryRoutes.tookTooLong(other), String.valueOf(other));
      } finally {
        await(pool.close());
      }
    } finally {
      await(vertx.close());
    }
  }
}
