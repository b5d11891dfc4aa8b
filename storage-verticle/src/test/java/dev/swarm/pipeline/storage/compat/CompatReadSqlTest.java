package dev.swarm.pipeline.storage.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.swarm.pipeline.storage.SqliteReadSql;
import dev.swarm.pipeline.storage.SqliteReadSqlTest;
import dev.swarm.pipeline.storage.SqliteReadSqlTest.Recorded;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Zipkin/Tempo reads' SQL on SQLite is the recorded one (see SqliteReadSqlTest). */
class CompatReadSqlTest {

  @Test
  void theStatementsAreTheRecordedOnes() throws IOException {
    Map<String, Recorded> golden = SqliteReadSqlTest.golden();
    CompatQueryService.Statements s = CompatQueryService.Statements.of(SqliteReadSql.INSTANCE);
    assertEquals(golden.get("compat.SERVICES").sql(), s.services());
    assertEquals(golden.get("compat.SERVICES_OF_TENANT").sql(), s.servicesOfTenant());
    assertEquals(golden.get("compat.SPAN_NAMES").sql(), s.spanNames());
    assertEquals(golden.get("compat.SPAN_NAMES_OF_TENANT").sql(), s.spanNamesOfTenant());
    assertEquals(golden.get("compat.FIND_TRACE").sql(), s.findTrace());
    assertEquals(golden.get("compat.FIND_TRACE_OF_TENANT").sql(), s.findTraceOfTenant());
    assertEquals(golden.get("compat.SPANS_OF_TRACE").sql(), s.spansOfTrace());
    assertEquals(golden.get("compat.SPANS_OF_TRACES").sql(), s.spansOfTraces());
    assertEquals(s, s.numbered(SqliteReadSql.INSTANCE));
  }

  @Test
  void searchesAreTheRecordedOnes() throws IOException {
    Map<String, Recorded> golden = SqliteReadSqlTest.golden();
    long now = 1_795_000_000_000L;
    List<Map<String, List<String>>> queries = List.of(
        SqliteReadSqlTest.params("serviceName", "Ticket-API"),
        SqliteReadSqlTest.params("serviceName", "api", "spanName", "GET /x", "minDuration", "1000",
            "maxDuration", "90000", "annotationQuery", "http.status_code=503 and error and retry",
            "endTs", "1795000000000", "lookback", "3600000", "limit", "20"),
        SqliteReadSqlTest.params("annotationQuery", "k=v and error"),
        SqliteReadSqlTest.params("spanName", "x"),
        SqliteReadSqlTest.params());
    int checked = 0;
    for (int i = 0; i < queries.size(); i++) {
      for (String tenant : new String[] {null, "caller"}) {
        List<Object> params = new ArrayList<>();
        Recorded recorded = golden.get("compat.search." + i + "." + tenant);
        assertEquals(recorded.sql(), CompatQueryService.searchSql(SqliteReadSql.INSTANCE,
            ZipkinTraceQuery.parse(queries.get(i), now), tenant, params));
        assertEquals(recorded.params(), params.toString());
        checked++;
      }
    }
    assertEquals(golden.keySet().stream().filter(k -> k.startsWith("compat.search.")).count(), checked);
  }
}
