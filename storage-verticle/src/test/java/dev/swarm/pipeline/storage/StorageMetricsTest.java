package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageMetricsTest {

  @TempDir
  Path dir;

  @Test
  void measuresTheDatabaseAndWalFilesAndTheirFilesystem() throws Exception {
    Path db = dir.resolve("swarm.db");
    Files.write(db, new byte[1000]);
    Files.write(dir.resolve("swarm.db-wal"), new byte[234]);
    Files.write(dir.resolve("swarm.db-shm"), new byte[50]); // not counted
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StorageMetrics metrics = new StorageMetrics(registry);
    metrics.measured(SqliteBackend.measure(db));
    assertEquals(1234.0, registry.get("trace.storage.db.bytes").gauge().value());
    double free = registry.get("trace.storage.disk.free.bytes").gauge().value();
    double total = registry.get("trace.storage.disk.total.bytes").gauge().value();
    assertTrue(free > 0 && total >= free, free + " of " + total);

    metrics.close();
    assertNull(registry.find("trace.storage.db.bytes").gauge());
    assertNull(registry.find("trace.storage.spans.written").counter());
  }

  @Test
  void aMissingWalCountsAsNothing() throws Exception {
    Path db = dir.resolve("swarm.db");
    Files.write(db, new byte[10]);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new StorageMetrics(registry).measured(SqliteBackend.measure(db));
    assertEquals(10.0, registry.get("trace.storage.db.bytes").gauge().value());
  }
}
