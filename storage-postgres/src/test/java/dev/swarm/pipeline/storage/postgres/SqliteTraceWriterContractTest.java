package dev.swarm.pipeline.storage.postgres;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The writer contract against storage-verticle's SQLite TraceWriter, a new file per test. */
class SqliteTraceWriterContractTest extends TraceWriterContract {

  @TempDir
  Path dir;

  @Override
  protected StoreUnderTest open() {
    return new SqliteStore(dir.resolve("swarm.db"));
  }
}
