package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.Await.awaitFailure;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only SQLite's {@link TraceWriter} has: its locks (SQLITE_BUSY, no write transaction held while idle) and
 * its INSERT OR REPLACE row text. The backend-neutral write semantics (what a batch leaves in the tables, late
 * spans, tenants, replays, rollback of a failed batch) are in storage-postgres's TraceWriterContract, which
 * SqliteTraceWriterContractTest runs against this writer.
 */
class TraceWriterTest {

  @TempDir
  Path dir;

  private TestStore store;
  private SqliteSettings settings;
  private TraceWriter writer;

  @BeforeEach
  void open() {
    store = TestStore.open(dir.resolve("swarm.db"), 200, 1);
    settings = store.settings;
    writer = store.writer;
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aReplacedSpanRowGetsANewCreatedAtInSqlitesDatetimeText() throws Exception {
    List<Span> spans = List.of(span("t1", "r", null, "agent.run", 0), span("t1", "a", "r", "x", 1));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, spans))));
    List<Span> changed = List.of(spans.get(0), TestSpans.withStatus(spans.get(1), SpanStatus.ERROR));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, changed))));
    // INSERT OR REPLACE: the row is replaced in place of being duplicated; created_at is when it was last written,
    // as SQLite's datetime('now') text.
    assertEquals("2", count("SELECT count(*) FROM agent_traces"));
    assertTrue(query("SELECT created_at FROM agent_traces WHERE id = 'a'").get(0).get("created_at")
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
  }

  @Test
  void aLockedDatabaseFailsTheWholeBatchAndCommitsNothing() throws Exception {
    List<TraceRecord> batch = List.of(
        message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))),
        message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "b", 0))));
    try (Connection other = settings.openConnection(); Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      Throwable failure = awaitFailure(writer.write(batch));
      assertTrue(String.valueOf(failure.getMessage()).contains("SQLITE_BUSY"), String.valueOf(failure));
      s.execute("ROLLBACK");
    }
    assertEquals("0", count("SELECT count(*) FROM agent_traces"));
    assertEquals(new WriteResult(2, 2, 0), await(writer.write(batch)));
    assertEquals("2", count("SELECT count(*) FROM trace_summaries"));
  }

  @Test
  void theIdleWriterHoldsNoLockThatWouldBlockOtherWriters() throws Exception {
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t1", "r", null, "a", 0))))));
    try (Connection c = settings.openConnection(); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 0");
      s.execute("BEGIN IMMEDIATE"); // fails with SQLITE_BUSY if the writer kept a write transaction open
      s.execute("CREATE TABLE tenants (id TEXT PRIMARY KEY)");
      s.execute("COMMIT");
    }
    await(writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("t2", "r", null, "a", 0))))));
    assertEquals("2", count("SELECT count(*) FROM trace_summaries"));
  }

  private String count(String sql) throws SQLException {
    return query(sql).get(0).values().iterator().next();
  }

  private List<Map<String, String>> query(String sql) throws SQLException {
    List<Map<String, String>> rows = new ArrayList<>();
    try (Connection c = settings.openConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
