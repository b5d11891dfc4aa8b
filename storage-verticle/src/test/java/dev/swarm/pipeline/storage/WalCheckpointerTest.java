package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL is held to its bound even after a long read kept checkpoints from finishing. */
class WalCheckpointerTest {
  @TempDir Path dir;

  @Test
  void aWalGrownPastTwiceItsLimitIsTruncatedOnceReadersMoveOn() throws Exception {
    Path db = dir.resolve("swarm.db");
    try (TestStore store = TestStore.open(db, 5000, 1);
        WalCheckpointer checkpointer = new WalCheckpointer(store.settings)) {
      Path wal = dir.resolve("swarm.db-wal");
      SyntheticTraces traces = new SyntheticTraces(1);
      long limit = Math.max(store.settings.journalSizeLimitBytes(), WalCheckpointer.MIN_TRUNCATE_BYTES);
      // A reader holding an old snapshot: no checkpoint can finish, the WAL grows past twice its limit.
      try (Connection reader = store.settings.readerDataSource(60_000).getConnection(); Statement s = reader.createStatement()) {
        reader.setAutoCommit(false);
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM agent_traces")) {
          rs.next();
        }
        while (Files.size(wal) <= 2 * limit) {
          List<TraceRecord> batch = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            batch.add(message(TraceVerdict.COMPLETE, traces.trace()));
          }
          await(store.writer.write(batch));
          checkpointer.checkpoint(); // passive: copies what it can, never waits; the truncate gives up after 100 ms
        }
        reader.rollback();
      }
      checkpointer.checkpoint();
      assertTrue(Files.size(wal) <= limit, "WAL after the reader left: " + Files.size(wal));
    }
  }
}
