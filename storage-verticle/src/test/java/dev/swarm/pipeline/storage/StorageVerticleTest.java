package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deploys the verticle against a Kafka address where no broker listens (the pipeline with a real broker is
 * tested in the app module): the database is migrated, the query service and meters come up, and undeploying
 * closes everything and removes the meters.
 */
class StorageVerticleTest {

  @TempDir
  Path dir;

  @Test
  void startsServesQueriesAndStopsCleanlyWithoutABroker() {
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try {
      StorageConfig config = StorageConfig.defaults(dir.resolve("swarm.db"));
      StorageVerticle verticle = new StorageVerticle(config,
          Map.of("bootstrap.servers", "127.0.0.1:1", "reconnect.backoff.max.ms", "1000"), registry);
      assertThrows(IllegalStateException.class, verticle::queryService);
      String id = await(vertx.deployVerticle(verticle));

      JsonObject page = new JsonObject(await(verticle.queryService().searchJson(TraceSearch.newest(5), null)));
      assertEquals(0, page.getJsonArray("traces").size());
      assertTrue(Files.exists(config.sqlitePath()));
      assertNotNull(registry.find("trace.storage.queue.spans").gauge());
      assertNotNull(registry.find("trace.storage.spans.written").counter());
      assertNotNull(registry.find("trace.storage.batch").timer());
      assertNotNull(registry.find("trace.storage.db.bytes").gauge());

      await(vertx.undeploy(id));
      assertEquals(null, registry.find("trace.storage.queue.spans").gauge());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void aDatabaseItCannotMigrateFailsTheDeploymentAndLeavesNoMeters() throws Exception {
    Path db = dir.resolve("old.db");
    try (var c = SqliteSettings.defaults(db).openConnection(); var s = c.createStatement()) {
      s.execute("CREATE TABLE agent_traces (id TEXT PRIMARY KEY, trace_id TEXT)");
    }
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try {
      StorageVerticle verticle = new StorageVerticle(StorageConfig.defaults(db),
          Map.of("bootstrap.servers", "127.0.0.1:1"), registry);
      Throwable failure = Await.awaitFailure(vertx.deployVerticle(verticle));
      assertTrue(failure instanceof SchemaMigrationException, String.valueOf(failure));
      assertTrue(failure.getMessage().contains("PRIMARY KEY (id)"), failure.getMessage());
      assertEquals(0, registry.getMeters().size());
    } finally {
      await(vertx.close());
    }
  }
}
