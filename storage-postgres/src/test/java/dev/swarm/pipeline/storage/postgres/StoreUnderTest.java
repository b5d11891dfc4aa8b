package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.WriteResult;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One storage backend as {@link TraceWriterContract} and {@link TraceReadContract} see it: its writer, its query API
 * ({@link #queries}), and plain SQL reads of what the writer stored, with values in one form for every backend (times
 * as the contract's ISO text, booleans as 1/0, numbers and JSON as their text). The SQL a contract test reads with is
 * the subset both SQLite and PostgreSQL understand.
 */
interface StoreUnderTest extends AutoCloseable {

  /** Writes a batch with the backend's writer. */
  Future<WriteResult> write(List<TraceRecord> batch);

  /** A JDBC connection to the backend's database, for reads and test set-up. */
  Connection connect() throws SQLException;

  /**
   * The query API over this store's database as the service builds it for the backend (its reader pools and SQL
   * dialect); a new service each call, over the same pools, closed with the store.
   */
  TraceQueryService queries(int maxTraceSpans);

  /**
   * Sets every summary's write time ({@code updated_at}, which the search shows) to {@code iso}, with microseconds
   * where the backend keeps them, so that answers written at different moments can be compared.
   */
  void setWriteTimes(String iso) throws SQLException;

  /** Makes every write of a summary of {@code traceId} fail with "refused by test trigger". */
  void refuseSummariesOf(String traceId) throws SQLException;

  /** Undoes {@link #refuseSummariesOf}. */
  void allowSummaries() throws SQLException;

  /**
   * Free text (a span name) as this backend stores it: PostgreSQL's text cannot hold U+0000, which the writer
   * stores as U+FFFD there; SQLite keeps it.
   */
  String storedText(String text);

  /**
   * A service or span name as this backend keeps it in the Zipkin service index: PostgreSQL cuts it to 1,024 UTF-8
   * bytes there (a B-tree entry's limit); SQLite keeps it whole.
   */
  String indexKey(String name);

  @Override
  void close();

  /** Every row of {@code sql}, each column as normalised text (null for NULL), in column order. */
  default List<Map<String, String>> query(String sql, Object... args) throws SQLException {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<Map<String, String>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData meta = rs.getMetaData();
        while (rs.next()) {
          Map<String, String> row = new LinkedHashMap<>();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.put(meta.getColumnLabel(i), normalised(rs, i, meta.getColumnTypeName(i)));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  /** A column's value as the contract compares it. */
  String normalised(ResultSet rs, int column, String typeName) throws SQLException;

  /** Runs statements on a fresh connection (auto-commit). */
  default void execute(String... sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String one : sql) {
        s.execute(one);
      }
    }
  }
}
