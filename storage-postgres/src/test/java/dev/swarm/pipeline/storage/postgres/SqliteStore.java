package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.storage.SqliteSettings;
import dev.swarm.pipeline.storage.StorageDatabase;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.TraceWriter;
import dev.swarm.pipeline.storage.WriteResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * storage-verticle's SQLite {@link TraceWriter} on a migrated file, opened as storage-verticle's own tests do
 * (StorageDatabase migrates the file; the writer gets single-connection pools from it).
 */
final class SqliteStore implements StoreUnderTest {

  private final Vertx vertx = Vertx.vertx();
  private final SqliteSettings settings;
  private final StorageDatabase database;
  private final TraceWriter writer;

  SqliteStore(Path file) {
    settings = new SqliteSettings(file, 2000, 4096, 1024, 1 << 20);
    database = await(StorageDatabase.open(vertx, settings, 1, 5000, 0));
    writer = new TraceWriter(database::newWriterPool);
  }

  @Override
  public Future<WriteResult> write(List<TraceRecord> batch) {
    return writer.write(batch);
  }

  @Override
  public Connection connect() throws SQLException {
    Connection c = settings.openConnection();
    c.setAutoCommit(true);
    return c;
  }

  /** The service's reader lanes (StorageDatabase.readPools) and the SQLite dialect, as StorageVerticle builds it. */
  @Override
  public TraceQueryService queries(int maxTraceSpans) {
    return new TraceQueryService(vertx, database.readPools(), maxTraceSpans);
  }

  @Override
  public void setWriteTimes(String iso) throws SQLException {
    execute("UPDATE trace_summaries SET updated_at = '" + iso + "'");
  }

  @Override
  public void refuseSummariesOf(String traceId) throws SQLException {
    execute("CREATE TRIGGER refuse_summaries BEFORE INSERT ON trace_summaries WHEN NEW.trace_id = '" + traceId + "'"
        + " BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
  }

  @Override
  public void allowSummaries() throws SQLException {
    execute("DROP TRIGGER refuse_summaries");
  }

  @Override
  public String indexKey(String name) {
    return name;
  }

  @Override
  public String storedText(String text) {
    return text;
  }

  @Override
  public String normalised(ResultSet rs, int column, String typeName) throws SQLException {
    return rs.getString(column); // times are stored as the contract's ISO text, booleans as 1/0
  }

  @Override
  public void close() {
    await(writer.close());
    await(database.close());
    await(vertx.close());
  }
}
