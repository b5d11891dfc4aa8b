package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The query API's SQL on SQLite is what it was before the statements were split into {@link TraceReadSql} pieces:
 * {@code sqlite-read-sql.golden} holds every statement (and the parameters of a set of searches) as the code built
 * them then, so SQLite's plans and answers cannot have changed. The Zipkin/Tempo half is CompatReadSqlTest.
 */
public class SqliteReadSqlTest {

  /** A recorded statement: its SQL and its parameters' {@code toString}. */
  public record Recorded(String sql, String params) {}

  /** The recording, name to statement. */
  public static Map<String, Recorded> golden() throws IOException {
    Map<String, Recorded> out = new LinkedHashMap<>();
    try (InputStream in = SqliteReadSqlTest.class.getResourceAsStream("/sqlite-read-sql.golden")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String[] parts = line.split("\t", -1);
        out.put(parts[0], new Recorded(parts[1], parts[2]));
      }
    }
    return out;
  }

  /** Query parameters, a name given more than once is repeated. */
  public static Map<String, List<String>> params(String... nameValue) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      out.computeIfAbsent(nameValue[i], k -> new ArrayList<>()).add(nameValue[i + 1]);
    }
    return out;
  }

  @Test
  void theStatementsAreTheRecordedOnes() throws IOException {
    Map<String, Recorded> golden = golden();
    TraceQueryService.Statements s = TraceQueryService.Statements.of(SqliteReadSql.INSTANCE);
    assertEquals(golden.get("native.SUMMARY_OF_TENANT").sql(), s.summaryOfTenant());
    assertEquals(golden.get("native.SUMMARIES_OF_ID").sql(), s.summariesOfId());
    assertEquals(golden.get("native.SPANS_OF_TRACE").sql(), s.spansOfTrace());
    assertEquals(golden.get("native.ROLL_UP").sql(), s.rollUp());
    for (String sql : List.of(s.summaryOfTenant(), s.summariesOfId(), s.spansOfTrace(), s.rollUp())) {
      assertEquals(sql, SqliteReadSql.INSTANCE.sql(sql));
    }
  }

  @Test
  void searchesAreTheRecordedOnes() throws IOException {
    Map<String, Recorded> golden = golden();
    String cursor = new TraceCursor("2026-11-27T23:24:23.123Z", "t9").encode();
    List<Map<String, List<String>>> searches = List.of(
        params(),
        params("tenant_id", "acme", "ticket_id", "T-1", "agent_id", "A-1", "status", "error", "min_duration_ms", "5",
            "max_duration_ms", "900", "from", "2026-11-27T00:00:00Z", "to", "2026-11-28T00:00:00.5+01:00",
            "complete", "false", "cursor", cursor, "limit", "7"),
        params("status", "ok", "complete", "true"),
        params("span_name", "llm.chat", "service", "Ticket-API", "attr", "model=claude", "attr", "tokens=12",
            "cursor", cursor, "from", "2026-11-27T00:00:00Z"),
        params("attr", "k=v"));
    int checked = 0;
    for (int i = 0; i < searches.size(); i++) {
      for (String tenant : new String[] {null, "caller"}) {
        TraceSearch search = TraceSearch.parse(searches.get(i));
        List<Object> params = new ArrayList<>();
        Recorded recorded = golden.get("native.search." + i + "." + tenant);
        assertEquals(recorded.sql(), TraceQueryService.searchSql(SqliteReadSql.INSTANCE, search, tenant, params));
        assertEquals(recorded.params(), params.toString());
        checked++;
        if (search.probesSpans()) {
          List<Object> boundParams = new ArrayList<>();
          Recorded bound = golden.get("native.bound." + i + "." + tenant);
          assertEquals(bound.sql(), TraceQueryService.scanBoundSql(SqliteReadSql.INSTANCE, search, tenant, boundParams));
          assertEquals(bound.params(), boundParams.toString());
          checked++;
        }
      }
    }
    assertEquals(golden.keySet().stream().filter(k -> k.startsWith("native.search.") || k.startsWith("native.bound."))
        .count(), checked);
  }
}
