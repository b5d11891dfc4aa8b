package dev.swarm.pipeline.storage.postgres;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.TestSpans.T0;
import static dev.swarm.pipeline.storage.TestSpans.late;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Span;
import dev.swarm.pipeline.schema.SpanKind;
import dev.swarm.pipeline.schema.SpanStatus;
import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.StoredSpan;
import dev.swarm.pipeline.storage.TraceQueryService;
import dev.swarm.pipeline.storage.TraceSearch;
import dev.swarm.pipeline.storage.compat.CompatQueryService;
import dev.swarm.pipeline.storage.compat.ZipkinTraceQuery;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query API's contract, written once and run against every storage backend (one subclass each): the same traces
 * are written through the backend's writer and through SQLite's into a reference store, then every read of the
 * native API, the Zipkin API and the Tempo API is made on both, and the backend's answer must be SQLite's, byte for
 * byte; a few answers are also checked against what they must say, so both being wrong the same way fails too.
 *
 * <p>The one accepted difference: a text value that PostgreSQL cannot hold (U+0000 in a span name or service name)
 * comes back with U+FFFD there (V1); such answers are compared as JSON with U+0000 read as U+FFFD. The traces cover
 * several tenants and none, late spans, errors, incomplete and evicted traces, orphans, service names, named events,
 * LLM calls whose tokens are numbers, strings and worse, attribute values of every JSON type, Unicode, the ends of the
 * contract's time range, hex ids in every form Zipkin readers send, and equal start times.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TraceReadContract {

  /** A new, empty, migrated store of the backend under test; {@code name} tells stores of one class apart. */
  protected abstract StoreUnderTest open(String name) throws Exception;

  /** After the last test: stop what {@link #open} started. */
  protected void closeBackend() {}

  /** Zipkin's "now" for the reads: an hour after the data set's first trace. */
  static final long NOW = T0 + 3_600_000L;
  /** What every summary's write time is set to (it is when the writer wrote it, which differs between stores). */
  static final String WRITTEN = "2026-12-01T10:00:00.123Z";
  static final String ZIPKIN_TRACE = "0000000000000000a3ce929d0e0e4736";
  static final String UPPER_TRACE = "ABCDEF0123456789ABCDEF0123456789";
  static final String SHORT_TRACE = "1234567890abcdef";
  static final String TWICE_INDEXED = "00000000000000000000000000000abc";
  static final String NUL_NAME = "a\u0000b";
  static final String EVENTS = "[{\"name\":\"retry\",\"time\":\"2026-11-27T23:24:23.200Z\",\"attributes\":{\"n\":1}}]";
  /** Attribute values of every JSON type, and the escapes PostgreSQL's JSON functions refuse. */
  static final String ALL_TYPES = "{\"service.name\":5,\"s\":\"text\",\"i\":42,\"f\":2.5,\"f0\":100.0,\"e\":1.5e-7,"
      + "\"big\":1e400,\"long\":703.91609924873,\"t\":true,\"fa\":false,\"n\":null,\"o\":{\"a\":1,\"b\":[2,3]},"
      + "\"arr\":[1,\"x\",null],\"u\":\"r\u00e9sum\u00e9 \u2713\",\"esc\":\"q\\\"b\\\\s\\n\",\"nul\":\"a\\u0000b\","
      + "\"neg\":-7,\"huge\":12345678901234567890}";
  static final String[] TENANTS = {null, "acme", "globex", "pager", "nobody"};

  /** The class's folder for SQLite files (a lifecycle method's parameter: PER_CLASS fields come too late). */
  Path dir;

  private StoreUnderTest store;
  private StoreUnderTest reference;
  private TraceQueryService queries;
  private TraceQueryService expectedQueries;
  private CompatQueryService zipkin;
  private CompatQueryService expectedZipkin;
  private final List<String> traceIds = new ArrayList<>();

  @BeforeAll
  void writeTheSameTracesToBoth(@TempDir Path folder) throws Exception {
    dir = folder;
    store = open("reads");
    reference = new SqliteStore(dir.resolve("reference.db"));
    for (List<TraceRecord> batch : dataSet()) {
      await(store.write(batch));
      await(reference.write(batch));
      for (TraceRecord m : batch) {
        if (!traceIds.contains(m.traceId())) {
          traceIds.add(m.traceId());
        }
      }
    }
    store.setWriteTimes(WRITTEN);
    reference.setWriteTimes(WRITTEN);
    queries = store.queries(20_000);
    expectedQueries = reference.queries(20_000);
    zipkin = new CompatQueryService(queries);
    expectedZipkin = new CompatQueryService(expectedQueries);
  }

  @AfterAll
  void closeStores() {
    if (store != null) {
      store.close();
    }
    if (reference != null) {
      reference.close();
    }
    closeBackend();
  }

  // ---------------------------------------------------------------- the data set

  /** A span of the data set, built by copies (tenant acme, 10 ms at T0, no owners, no attributes by default). */
  record S(String trace, String id, String parent, String name, SpanKind kind, SpanStatus status, long start,
      long duration, String tenant, String ticket, String agent, String attributes, String events, int eventCount) {

    static S of(String trace, String id, String parent, String name) {
      return new S(trace, id, parent, name, SpanKind.INTERNAL, SpanStatus.OK, T0, 10, "acme", null, null, "{}", "[]", 0);
    }

    S at(long offsetMs, long durationMs) {
      return atMillis(T0 + offsetMs, durationMs);
    }

    S atMillis(long startMillis, long durationMs) {
      return new S(trace, id, parent, name, kind, status, startMillis, durationMs, tenant, ticket, agent, attributes,
          events, eventCount);
    }

    S kind(SpanKind k) {
      return new S(trace, id, parent, name, k, status, start, duration, tenant, ticket, agent, attributes, events,
          eventCount);
    }

    S status(SpanStatus s) {
      return new S(trace, id, parent, name, kind, s, start, duration, tenant, ticket, agent, attributes, events,
          eventCount);
    }

    S owners(String tenantId, String ticketId, String agentId) {
      return new S(trace, id, parent, name, kind, status, start, duration, tenantId, ticketId, agentId, attributes,
          events, eventCount);
    }

    S attrs(String json) {
      return new S(trace, id, parent, name, kind, status, start, duration, tenant, ticket, agent, json, events,
          eventCount);
    }

    S events(String json, int count) {
      return new S(trace, id, parent, name, kind, status, start, duration, tenant, ticket, agent, attributes, json,
          count);
    }

    Span span() {
      return new Span(id, trace, parent, name, kind, status, start, start + duration, duration, tenant, ticket, agent,
          attributes, events, eventCount);
    }
  }

  private static TraceRecord trace(TraceVerdict verdict, S... spans) {
    List<Span> out = new ArrayList<>();
    for (S s : spans) {
      out.add(s.span());
    }
    return message(verdict, out);
  }

  /** The batches, in the order both stores get them. */
  static List<List<TraceRecord>> dataSet() {
    List<List<TraceRecord>> batches = new ArrayList<>();
    String acme1 = "t-acme-1";
    batches.add(List.of(
        trace(TraceVerdict.COMPLETE,
            S.of(acme1, "r", null, "agent.run").kind(SpanKind.SERVER).at(0, 900).owners("acme", "T-1", "A-1")
                .attrs("{\"service.name\":\"Ticket-API\",\"method\":\"POST\"}").events(EVENTS, 1),
            S.of(acme1, "l1", "r", "llm.generate").kind(SpanKind.CLIENT).at(10, 290)
                .attrs("{\"service.name\":\"agent\",\"model\":\"claude-haiku\",\"tokens\":1200}"),
            S.of(acme1, "l2", "r", "llm.generate").kind(SpanKind.CLIENT).status(SpanStatus.ERROR).at(310, 90)
                .attrs("{\"service.name\":\"agent\",\"model\":\"claude-opus\",\"tokens\":\"34\"}"),
            S.of(acme1, "g", "l1", "tool.search").at(20, 10).attrs("{\"k\":\"g\"}")),
        trace(TraceVerdict.COMPLETE,
            S.of("t-acme-2", "r", null, "agent.run").at(1000, 2000).owners("acme", "T-2", "A-2")
                .attrs("{\"service.name\":\"worker\"}"),
            S.of("t-acme-2", "a", "r", "llm.generate").at(1001, 5).attrs("{\"tokens\":\"abc\"}"),
            S.of("t-acme-2", "b", "r", "llm.generate").at(1002, 5).attrs("{\"tokens\":12.7}"),
            S.of("t-acme-2", "c", "r", "llm.generate").at(1003, 5).attrs("{\"tokens\":true}"),
            S.of("t-acme-2", "d", "r", "llm.generate").at(1004, 5).attrs("{\"tokens\":null}"),
            S.of("t-acme-2", "e", "r", "llm.generate").at(1005, 5).attrs("{\"tokens\":{\"x\":1}}"),
            S.of("t-acme-2", "f", "r", "llm.generate").at(1006, 5).attrs("{\"tokens\":\"  7tokens\"}"),
            S.of("t-acme-2", "h", "r", "llm.generate").status(SpanStatus.ERROR).at(1007, 5)
                .attrs("{\"tokens\":-3}"))));
    batches.add(List.of(
        trace(TraceVerdict.INCOMPLETE,
            S.of("t-globex-1", "r", null, "agent.run").at(2000, 50).owners("globex", "T-9", "A-9"),
            S.of("t-globex-1", "o", "missing", "tool.fetch").at(2010, 20).owners("globex", null, null)),
        // One trace id, two tenants (3 spans and 1): read without a tenant, acme's, naming globex.
        trace(TraceVerdict.COMPLETE,
            S.of("shared-id", "r", null, "agent.run").at(3000, 30),
            S.of("shared-id", "a", "r", "x").at(3001, 5),
            S.of("shared-id", "b", "r", "y").at(3002, 5)),
        trace(TraceVerdict.COMPLETE, S.of("shared-id", "r", null, "agent.run").at(3001, 3).owners("globex", null, null)),
        trace(TraceVerdict.COMPLETE,
            S.of("t-none", "r", null, "agent.run").at(4000, 40).owners(null, "T-N", null),
            S.of("t-none", "a", "r", "llm.generate").at(4001, 4).owners(null, null, null).attrs("{\"tokens\":9}")),
        trace(TraceVerdict.EVICTED, S.of("t-evicted", "r", null, "agent.run").at(5000, 70).owners("acme", "T-1", null))));
    // Zipkin's example: a client span, its shared server span, a child of the server; hex ids in other forms.
    batches.add(List.of(
        trace(TraceVerdict.COMPLETE,
            S.of(ZIPKIN_TRACE, "00f067aa0ba902b7", null, "GET /tickets").kind(SpanKind.CLIENT)
                .status(SpanStatus.ERROR).at(6000, 20).events(EVENTS, 1)
                .attrs("{\"service.name\":\"Frontend\",\"peer.service\":\"ticket-api\",\"http.status_code\":503,"
                    + "\"otel.status_description\":\"boom\"}"),
            S.of(ZIPKIN_TRACE, "00f067aa0ba902b7:server", "00f067aa0ba902b7", "get /tickets").kind(SpanKind.SERVER)
                .status(SpanStatus.UNSET).at(6010, 20).attrs("{\"service.name\":\"ticket-api\"}"),
            S.of(ZIPKIN_TRACE, "b7ad6b7169203331", "00f067aa0ba902b7", "db.query").kind(SpanKind.CLIENT).at(6020, 20)
                .attrs("{\"service.name\":\"ticket-api\",\"otel.span_kind\":\"producer\",\"db\":{\"rows\":2}}")),
        trace(TraceVerdict.COMPLETE, S.of(UPPER_TRACE, "00000000000000aa", null, "Upper.Case").at(7000, 15)
            .owners("globex", null, null).attrs("{\"service.name\":\"ticket-api\"}")),
        trace(TraceVerdict.COMPLETE, S.of(SHORT_TRACE, "00000000000000bb", null, "short.id").at(8000, 25)
            .attrs("{\"service.name\":\"Frontend\",\"http.status_code\":200}")),
        trace(TraceVerdict.COMPLETE, S.of(TWICE_INDEXED, "0000000000000001", null, "late root").kind(SpanKind.SERVER)
            .at(11000, 100).attrs("{\"service.name\":\"api\"}"))));
    batches.add(List.of(
        // A late span of the same service that starts earlier: a second service-index row for the trace.
        trace(TraceVerdict.COMPLETE,
            S.of(TWICE_INDEXED, "0000000000000002", "0000000000000001", "early").kind(SpanKind.CLIENT).at(10500, 10)
                .attrs("{\"service.name\":\"api\"}")),
        trace(TraceVerdict.COMPLETE,
            S.of("t-types", "r", null, "types").at(9000, 60).owners("acme", "T-3", "A-1").attrs(ALL_TYPES)),
        trace(TraceVerdict.COMPLETE,
            S.of("t-unicode", "r", null, "r\u00e9sum\u00e9.\u751f\u6210").at(10000, 30)
                .attrs("{\"service.name\":\"\u00dcn\u00efcode-Svc\",\"w\":\"\u00fcber\"}"),
            S.of("t-unicode", "n", "r", NUL_NAME).at(10001, 3).attrs("{\"service.name\":\"nul-svc\"}")),
        trace(TraceVerdict.COMPLETE, S.of("t-ancient", "r", null, "old").atMillis(Timestamps.MIN_EPOCH_MILLIS, 10)),
        trace(TraceVerdict.COMPLETE,
            S.of("t-future", "r", null, "new").atMillis(Timestamps.parseIso("9999-12-31T23:59:59.000Z"), 10)),
        trace(TraceVerdict.COMPLETE, S.of("Mixed-A", "r", null, "case").at(12000, 1).owners("case", null, null)),
        trace(TraceVerdict.COMPLETE, S.of("mixed-a", "r", null, "case").at(12000, 1).owners("case", null, null))));
    // Late spans: t-acme-1 gains one (late_spans 1), t-globex-1's orphan stays an orphan.
    batches.add(List.of(
        late(List.of(S.of(acme1, "late", "r", "memory.recall").at(500, 10)
            .attrs("{\"service.name\":\"agent\",\"tokens\":5}").span())),
        late(List.of(S.of("t-globex-1", "late", "r", "memory.recall").at(2020, 10).owners("globex", null, null)
            .span()))));
    // Pages: 25 traces in groups of five with one start time, so the trace id breaks ties.
    List<TraceRecord> pages = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String id = String.format("p%02d", i);
      pages.add(trace(i % 4 == 0 ? TraceVerdict.INCOMPLETE : TraceVerdict.COMPLETE,
          S.of(id, "r", null, "page.step").at(20_000 + (i / 5) * 100L, 5 + i).owners("pager", "T-P" + (i % 3), null)
              .status(i % 6 == 0 ? SpanStatus.ERROR : SpanStatus.OK)));
    }
    batches.add(pages);
    // 22 tenants share a trace id (other_tenants lists 20). Not at one start time: the search's order and cursor are
    // (start time, trace id), which leaves the order of such traces to the database, and a page boundary among them
    // skips the rest (on SQLite too).
    List<TraceRecord> crowded = new ArrayList<>();
    for (int i = 0; i < 22; i++) {
      crowded.add(trace(TraceVerdict.COMPLETE, S.of("crowded", "r", null, "crowd").at(30_000 + i, 1)
          .owners(String.format("c%02d", i), null, null)));
    }
    List<S> big = new ArrayList<>();
    big.add(S.of("t-big", "s00", null, "big.root").at(40_000, 100));
    for (int i = 1; i < 30; i++) {
      big.add(S.of("t-big", String.format("s%02d", i), "s00", "big.step").at(40_000 + i, 1));
    }
    crowded.add(trace(TraceVerdict.COMPLETE, big.toArray(new S[0])));
    batches.add(crowded);
    return batches;
  }

  // ---------------------------------------------------------------- comparing answers

  /** A native read on both stores: the backend's answer must be SQLite's; it is returned (null when none). */
  private String read(Function<TraceQueryService, Future<Buffer>> call) {
    return same(call.apply(expectedQueries), call.apply(queries));
  }

  private String zipkinRead(Function<CompatQueryService, Future<Buffer>> call) {
    return same(call.apply(expectedZipkin), call.apply(zipkin));
  }

  private static String same(Future<Buffer> expectedAnswer, Future<Buffer> actualAnswer) {
    Buffer e = await(expectedAnswer);
    Buffer a = await(actualAnswer);
    String expected = e == null ? null : e.toString(StandardCharsets.UTF_8);
    String actual = a == null ? null : a.toString(StandardCharsets.UTF_8);
    if (!Objects.equals(expected, actual)) {
      if (expected != null && actual != null && expected.contains("\\u0000")) {
        // The accepted difference: U+0000 in a name is U+FFFD on PostgreSQL. Same JSON otherwise.
        assertEquals(nulAsReplacement(Json.decodeValue(expected)), nulAsReplacement(Json.decodeValue(actual)));
      } else {
        assertEquals(expected, actual);
      }
    }
    return actual;
  }

  /** JSON with every U+0000 in its strings and keys read as U+FFFD. */
  private static Object nulAsReplacement(Object json) {
    if (json instanceof String s) {
      return s.replace('\u0000', '\uFFFD');
    }
    if (json instanceof JsonObject o) {
      JsonObject out = new JsonObject();
      o.forEach(e -> out.put(e.getKey().replace('\u0000', '\uFFFD'), nulAsReplacement(e.getValue())));
      return out;
    }
    if (json instanceof JsonArray arr) {
      JsonArray out = new JsonArray();
      arr.forEach(v -> out.add(nulAsReplacement(v)));
      return out;
    }
    return json;
  }

  private static Map<String, List<String>> params(String... nameValue) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      out.computeIfAbsent(nameValue[i], k -> new ArrayList<>()).add(nameValue[i + 1]);
    }
    return out;
  }

  private JsonObject search(String tenant, String... nameValue) {
    TraceSearch search = TraceSearch.parse(params(nameValue));
    return new JsonObject(read(q -> q.searchJson(search, tenant)));
  }

  private JsonArray zipkinSearch(String tenant, String... nameValue) {
    ZipkinTraceQuery query = ZipkinTraceQuery.parse(params(nameValue), NOW);
    return new JsonArray(zipkinRead(z -> z.zipkinTraces(query, tenant)));
  }

  private static List<String> ids(JsonObject page) {
    List<String> out = new ArrayList<>();
    page.getJsonArray("traces").forEach(t -> out.add(((JsonObject) t).getString("trace_id")));
    return out;
  }

  private static JsonObject summary(JsonObject page, String traceId) {
    for (Object t : page.getJsonArray("traces")) {
      if (((JsonObject) t).getString("trace_id").equals(traceId)) {
        return (JsonObject) t;
      }
    }
    throw new AssertionError(traceId + " not in " + page.encode());
  }

  // ---------------------------------------------------------------- the native API

  @Test
  void everyTraceReadsTheSameByIdWithAndWithoutATenant() {
    List<String> ids = new ArrayList<>(traceIds);
    ids.addAll(List.of("nope", "MIXED-A", "t-ACME-1", "abc\u0000", "x\uD800", "'; DROP TABLE agent_traces; --"));
    for (String id : ids) {
      for (String tenant : TENANTS) {
        read(q -> q.traceJson(id, tenant));
      }
    }
    JsonObject acme1 = new JsonObject(read(q -> q.traceJson("t-acme-1", null)));
    assertEquals(5, acme1.getInteger("span_count"));
    assertEquals(1, acme1.getInteger("late_spans"));
    assertEquals(1, acme1.getInteger("error_count"));
    assertEquals("2026-11-27T23:24:23.123Z", acme1.getString("start_time"));
    assertEquals("2026-11-27T23:24:24.023Z", acme1.getString("end_time"));
    assertEquals(true, acme1.getBoolean("complete"));
    assertEquals("acme", acme1.getString("tenant_id"));
    assertEquals("{\"service.name\":\"Ticket-API\",\"method\":\"POST\"}",
        acme1.getJsonObject("root").getJsonObject("attributes").encode());
    JsonObject shared = new JsonObject(read(q -> q.traceJson("shared-id", null)));
    assertEquals("acme", shared.getString("tenant_id"));
    assertEquals(new JsonArray().add("globex"), shared.getJsonArray("other_tenants"));
    assertEquals("globex", new JsonObject(read(q -> q.traceJson("shared-id", "globex"))).getString("tenant_id"));
    assertEquals(20, new JsonObject(read(q -> q.traceJson("crowded", null))).getJsonArray("other_tenants").size());
    assertNull(read(q -> q.traceJson("t-acme-1", "globex")));
    assertNull(read(q -> q.traceJson("abc\u0000", null)));
    JsonObject none = new JsonObject(read(q -> q.traceJson("t-none", null)));
    assertFalse(none.containsKey("tenant_id"));
    JsonObject ancient = new JsonObject(read(q -> q.traceJson("t-ancient", "acme")));
    assertEquals("0000-01-01T00:00:00.000Z", ancient.getString("start_time"));
    assertEquals("0000-01-01T00:00:00.010Z", ancient.getJsonObject("root").getString("end_time"));
    assertEquals("9999-12-31T23:59:59.010Z",
        new JsonObject(read(q -> q.traceJson("t-future", null))).getString("end_time"));
    JsonObject globex = new JsonObject(read(q -> q.traceJson("t-globex-1", null)));
    assertEquals(false, globex.getBoolean("complete"));
    assertEquals(1, globex.getInteger("orphan_count"));
    // Attributes come back as the text stored (1e400, 100.0 and the escapes included).
    assertTrue(read(q -> q.traceJson("t-types", null)).contains("\"attributes\":" + ALL_TYPES));
  }

  @Test
  void aTraceOverTheSpanCapIsTruncatedTheSameWay() {
    TraceQueryService small = store.queries(10);
    TraceQueryService expectedSmall = reference.queries(10);
    JsonObject big = new JsonObject(same(expectedSmall.traceJson("t-big", null), small.traceJson("t-big", null)));
    assertEquals(true, big.getBoolean("truncated"));
    assertEquals(30, big.getInteger("span_count"));
    assertEquals(9, big.getJsonObject("root").getJsonArray("children").size());
    same(expectedSmall.traceJson("t-acme-1", "acme"), small.traceJson("t-acme-1", "acme"));
  }

  @Test
  void everySearchFilterAnswersTheSame() {
    String[][] searches = {
        {}, {"limit", "1000"}, {"limit", "1"}, {"tenant_id", "acme"}, {"tenant_id", "globex", "limit", "3"},
        {"ticket_id", "T-1"}, {"ticket_id", "T-N"}, {"agent_id", "A-1"}, {"status", "error"}, {"status", "ok"},
        {"min_duration_ms", "100"}, {"max_duration_ms", "20"}, {"min_duration_ms", "10", "max_duration_ms", "60"},
        {"from", "2026-11-27T23:24:25.123Z"}, {"to", "2026-11-27T23:24:25.123Z"},
        {"from", "2026-11-27T23:24:24Z", "to", "2026-11-27T23:24:33.123Z"}, {"from", "0000-01-01T00:00:00Z"},
        {"to", "0000-01-01T00:00:00.001Z"}, {"from", "9999-12-31T00:00:00Z"}, {"to", "9999-12-31T23:59:59.999Z"},
        {"from", "2026-11-28T00:24:23.123+01:00", "to", "2026-11-28T00:24:30-00:30"},
        {"complete", "true"}, {"complete", "false"}, {"complete", "false", "status", "error"},
        {"tenant_id", "pager", "complete", "true", "status", "ok", "limit", "4"},
        {"tenant_id", "acme", "ticket_id", "T-1", "agent_id", "A-1", "status", "ok", "min_duration_ms", "1",
            "max_duration_ms", "100000", "from", "2026-11-27T00:00:00Z", "to", "2026-11-29T00:00:00Z",
            "complete", "true", "limit", "10"},
        {"ticket_id", "a\u0000b"}, {"tenant_id", "x\uD800"}, {"span_name", NUL_NAME},
    };
    for (String[] s : searches) {
      for (String tenant : TENANTS) {
        search(tenant, s);
      }
    }
    assertEquals(List.of("t-future", "t-big", "crowded"), ids(search(null, "limit", "3")).subList(0, 3));
    assertEquals(List.of("t-acme-1", "t-evicted"), ids(search(null, "ticket_id", "T-1")).stream().sorted().toList());
    assertEquals(List.of("t-ancient"), ids(search(null, "to", "0000-01-01T00:00:00.001Z")));
    assertEquals(List.of("t-future"), ids(search(null, "from", "9999-12-31T00:00:00Z")));
    assertEquals(List.of("t-globex-1"), ids(search("globex", "complete", "false")));
    // Equal start times: the trace id breaks the tie, in byte order ("mixed-a" after "Mixed-A").
    assertEquals(List.of("mixed-a", "Mixed-A"), ids(search("case")));
    JsonObject acme1 = summary(search("acme", "ticket_id", "T-1"), "t-acme-1");
    assertEquals(WRITTEN, acme1.getString("updated_at"));
    assertEquals("2026-11-27T23:24:23.123Z", acme1.getString("first_seen"));
    assertEquals(1, acme1.getInteger("late_spans"));
    assertEquals(900, acme1.getInteger("duration_ms"));
    assertEquals("agent.run", acme1.getString("root_span_name"));
  }

  @Test
  void spanNameServiceAndAttributeSearchesAnswerTheSame() {
    String[][] searches = {
        {"span_name", "llm.generate"}, {"span_name", "memory.recall"}, {"span_name", "LLM.generate"},
        {"span_name", "r\u00e9sum\u00e9.\u751f\u6210"}, {"span_name", NUL_NAME}, {"span_name", "nothing"},
        {"service", "ticket-api"}, {"service", "TICKET-API"}, {"service", "agent"}, {"service", "unknown"},
        {"service", "5"}, {"service", "\u00dcn\u00efcode-Svc"}, {"service", "\u00dcn\u00efcode-svc"},
        {"service", "nul-svc"}, {"service", "nobody"},
        {"attr", "model=claude-opus"}, {"attr", "tokens=1200"}, {"attr", "tokens=34"}, {"attr", "tokens=12.7"},
        {"attr", "tokens=1"}, {"attr", "tokens=true"}, {"attr", "k=g"},
        {"attr", "s=text"}, {"attr", "i=42"}, {"attr", "i=42.0"}, {"attr", "f=2.5"}, {"attr", "f=2.50"},
        {"attr", "f0=100.0"}, {"attr", "f0=100"}, {"attr", "e=1.5e-07"}, {"attr", "e=1.5e-7"}, {"attr", "big=Inf"},
        {"attr", "long=703.91609924873"}, {"attr", "long=703.91609924873001"}, {"attr", "t=1"}, {"attr", "t=true"},
        {"attr", "fa=0"}, {"attr", "n=null"}, {"attr", "o={\"a\":1,\"b\":[2,3]}"}, {"attr", "arr=[1,\"x\",null]"},
        {"attr", "u=r\u00e9sum\u00e9 \u2713"}, {"attr", "esc=q\"b\\s\n"}, {"attr", "nul=a\u0000b"}, {"attr", "neg=-7"},
        {"attr", "huge=1.2345678901234567e+19"}, {"attr", "huge=12345678901234567890"}, {"attr", "missing=x"},
        {"attr", "service.name=5"}, {"attr", "method=POST", "attr", "model=claude-opus"},
        {"attr", "method=POST", "attr", "branch=main"},
        {"span_name", "llm.generate", "service", "agent", "attr", "model=claude-haiku", "tenant_id", "acme"},
        {"span_name", "page.step", "limit", "4"}, {"span_name", "page.step", "complete", "false", "limit", "2"},
    };
    for (String[] s : searches) {
      for (String tenant : TENANTS) {
        search(tenant, s);
      }
    }
    assertEquals(List.of("t-acme-2", "t-acme-1"), ids(search(null, "span_name", "llm.generate", "tenant_id", "acme")));
    assertEquals(List.of("t-unicode"), ids(search(null, "span_name", NUL_NAME)));
    assertEquals(List.of(ZIPKIN_TRACE, "t-acme-1"), ids(search("acme", "service", "ticket-api")));
    assertEquals(List.of("t-types"), ids(search(null, "service", "5")));
    // SQLite's types: true is 1, 100.0 is "100.0", 1e400 is Inf, a long decimal has 17 digits.
    assertEquals(List.of("t-types"), ids(search(null, "attr", "t=1")));
    assertEquals(List.of(), ids(search(null, "attr", "t=true")));
    assertEquals(List.of("t-types"), ids(search(null, "attr", "f0=100.0")));
    assertEquals(List.of(), ids(search(null, "attr", "f0=100")));
    assertEquals(List.of("t-types"), ids(search(null, "attr", "big=Inf")));
    assertEquals(List.of("t-types"), ids(search(null, "attr", "long=703.91609924873001")));
    assertEquals(List.of("t-types"), ids(search(null, "attr", "o={\"a\":1,\"b\":[2,3]}")));
    assertEquals(List.of("t-types"), ids(search(null, "attr", "nul=a\u0000b")));
    assertEquals(List.of(), ids(search(null, "attr", "n=null")));
    // A non-ASCII service name is lower-cased for the index but not by SQL: on both, as SQLite has it.
    assertEquals(List.of(), ids(search(null, "service", "\u00dcn\u00efcode-Svc")));
  }

  @Test
  void rollUpsCountServicesLlmCallsAndTokensTheSame() {
    JsonObject page = search(null, "limit", "1000");
    JsonObject acme1 = summary(page, "t-acme-1");
    assertEquals(new JsonArray().add("agent").add("ticket-api").add("unknown"), acme1.getJsonArray("services"));
    assertEquals(2, acme1.getInteger("llm_calls"));
    assertEquals(1234, acme1.getInteger("llm_tokens"));
    // "abc" 0, 12.7 12, true 1, null none, {"x":1} 0, "  7tokens" 7, -3: SQLite's CAST(… AS INTEGER).
    JsonObject acme2 = summary(page, "t-acme-2");
    assertEquals(7, acme2.getInteger("llm_calls"));
    assertEquals(17, acme2.getInteger("llm_tokens"));
    assertEquals(new JsonArray().add("unknown").add("worker"), acme2.getJsonArray("services"));
    assertEquals(new JsonArray().add("5"), summary(page, "t-types").getJsonArray("services"));
    assertEquals(new JsonArray().add("nul-svc").add("\u00dcn\u00efcode-svc"),
        summary(page, "t-unicode").getJsonArray("services"));
    assertEquals(9, summary(page, "t-none").getInteger("llm_tokens"));
  }

  @Test
  void cursorsPageTheSameWayThroughEveryTraceOnce() {
    for (String tenant : new String[] {null, "pager"}) {
      for (String limit : new String[] {"1", "4", "7"}) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
          JsonObject page = cursor == null ? search(tenant, "limit", limit)
              : search(tenant, "limit", limit, "cursor", cursor);
          seen.addAll(ids(page));
          cursor = page.getString("next_cursor");
          pages++;
        } while (cursor != null && pages < 200);
        if (tenant == null) {
          assertEquals(44 + 21, seen.size(), "each trace once (the crowded id is 22 tenants' traces)");
        } else {
          List<String> expected = new ArrayList<>();
          for (int group = 4; group >= 0; group--) {
            for (int k = 4; k >= 0; k--) {
              expected.add(String.format("p%02d", group * 5 + k));
            }
          }
          assertEquals(expected, seen);
        }
      }
    }
    // A cursor with a span-name probe and other filters.
    JsonObject first = search(null, "span_name", "page.step", "status", "ok", "limit", "3");
    search(null, "span_name", "page.step", "status", "ok", "limit", "3", "cursor", first.getString("next_cursor"));
  }

  // ---------------------------------------------------------------- Zipkin and Tempo

  @Test
  void zipkinServicesAndSpanNamesAreTheSame() {
    for (String tenant : TENANTS) {
      zipkinRead(z -> z.services(tenant));
      for (String service : List.of("ticket-api", "frontend", "agent", "api", "unknown", "nul-svc",
          "\u00fcn\u00efcode-svc", "5", "nobody")) {
        zipkinRead(z -> z.spanNames(service, tenant));
      }
    }
    assertEquals(new JsonArray(List.of("agent.run", "db.query", "get /tickets", "upper.case")),
        new JsonArray(zipkinRead(z -> z.spanNames("ticket-api", null))));
    assertEquals(new JsonArray(List.of("agent.run", "db.query", "get /tickets")),
        new JsonArray(zipkinRead(z -> z.spanNames("ticket-api", "acme"))));
    JsonArray services = new JsonArray(zipkinRead(z -> z.services("acme")));
    assertTrue(services.contains("frontend") && services.contains("ticket-api") && !services.contains("5"),
        services.encode());
  }

  @Test
  void zipkinAndTempoTracesByIdInEveryFormAreTheSame() {
    List<String> requests = new ArrayList<>(traceIds);
    requests.addAll(List.of("a3ce929d0e0e4736", "A3CE929D0E0E4736", ZIPKIN_TRACE.toUpperCase(),
        UPPER_TRACE.toLowerCase(), "00000000000000001234567890abcdef", "1234567890ABCDEF", "0abc", "abc",
        "ffffffffffffffff", "nope", "abc\u0000", "x\uD800"));
    for (String id : requests) {
      for (String tenant : TENANTS) {
        zipkinRead(z -> z.zipkinTrace(id, tenant));
        List<StoredSpan> expected = await(expectedZipkin.trace(id, tenant));
        List<StoredSpan> actual = await(zipkin.trace(id, tenant));
        assertEquals(expected == null ? null : expected.stream().map(TraceReadContract::nulAsReplacement).toList(),
            actual == null ? null : actual.stream().map(TraceReadContract::nulAsReplacement).toList(),
            "Tempo's spans of " + id + " for " + tenant);
      }
    }
    JsonArray spans = new JsonArray(zipkinRead(z -> z.zipkinTrace("a3ce929d0e0e4736", null)));
    assertEquals(3, spans.size());
    assertEquals(ZIPKIN_TRACE, spans.getJsonObject(0).getString("traceId"));
    assertEquals(true, spans.getJsonObject(1).getBoolean("shared"));
    assertNotNull(zipkinRead(z -> z.zipkinTrace(UPPER_TRACE.toLowerCase(), "globex")));
    assertNull(zipkinRead(z -> z.zipkinTrace(UPPER_TRACE.toLowerCase(), "acme")));
    assertEquals(SHORT_TRACE, await(zipkin.trace("00000000000000001234567890abcdef", null)).get(0).traceId());
    assertEquals(NUL_NAME.replace('\u0000', '\uFFFD'), await(zipkin.trace("t-unicode", null)).get(1).spanName()
        .replace('\u0000', '\uFFFD'));
  }

  private static StoredSpan nulAsReplacement(StoredSpan s) {
    return new StoredSpan(s.traceId(), s.id(), s.parentSpanId(), s.spanName().replace('\u0000', '\uFFFD'), s.spanKind(),
        s.status(), s.startTime(), s.endTime(), s.durationMs(), s.tenantId(), s.ticketId(), s.agentId(),
        s.attributesJson(), s.eventsJson());
  }

  @Test
  void zipkinTraceSearchesAreTheSame() {
    String day = Long.toString(86_400_000L);
    String[][] searches = {
        {}, {"limit", "1000"}, {"limit", "1"}, {"serviceName", "ticket-api"}, {"serviceName", "FRONTEND"},
        {"serviceName", "api"}, {"serviceName", "agent"}, {"serviceName", "unknown"}, {"serviceName", "nobody"},
        {"serviceName", "ticket-api", "spanName", "DB.query"}, {"serviceName", "ticket-api", "spanName", "nope"},
        {"spanName", "get /tickets"}, {"spanName", "all"}, {"spanName", "upper.case"},
        {"serviceName", "frontend", "minDuration", "20000", "maxDuration", "20000"},
        {"serviceName", "frontend", "minDuration", "20001"}, {"maxDuration", "15000"}, {"minDuration", "25000"},
        {"annotationQuery", "http.status_code=503"}, {"annotationQuery", "http.status_code=200"},
        {"annotationQuery", "error"}, {"annotationQuery", "retry"}, {"annotationQuery", "peer.service"},
        {"annotationQuery", "http.status_code=503 and error"}, {"annotationQuery", "db={\"rows\":2}"},
        {"annotationQuery", "nothing"}, {"annotationQuery", "error and retry and otel.status_description=boom"},
        {"serviceName", "frontend", "annotationQuery", "retry"},
        {"serviceName", "api", "spanName", "early", "annotationQuery", "service.name=api"},
        {"endTs", Long.toString(NOW - 3_595_000L)}, {"endTs", Long.toString(T0 + 7_500), "lookback", "2000"},
        {"endTs", Long.toString(NOW), "lookback", day}, {"lookback", "1"}, {"endTs", "1", "lookback", "1"},
        {"serviceName", "api", "limit", "1"}, {"remoteServiceName", "x"},
    };
    for (String[] s : searches) {
      for (String tenant : TENANTS) {
        zipkinSearch(tenant, s);
      }
    }
    assertEquals(1, zipkinSearch(null, "serviceName", "ticket-api", "spanName", "DB.query").size());
    assertEquals(1, zipkinSearch(null, "annotationQuery", "http.status_code=503 and error").size());
    assertEquals(0, zipkinSearch(null, "serviceName", "unknown").size()); // non-hex ids are left out
    JsonArray api = zipkinSearch(null, "serviceName", "api");
    assertEquals(1, api.size());
    assertEquals(2, api.getJsonArray(0).size());
    assertEquals(0, zipkinSearch("globex", "serviceName", "frontend").size());
    assertEquals(1, zipkinSearch("globex", "serviceName", "ticket-api").size());
    // The cap: a trace cut by it is left out of the answer.
    CompatQueryService small = new CompatQueryService(store.queries(2));
    CompatQueryService expectedSmall = new CompatQueryService(reference.queries(2));
    ZipkinTraceQuery all = ZipkinTraceQuery.parse(params("limit", "100"), NOW);
    same(expectedSmall.zipkinTraces(all, null), small.zipkinTraces(all, null));
  }

  /**
   * A service name longer than the index keeps (PostgreSQL's writer cuts the index's keys to 1,024 UTF-8 bytes, V1):
   * the service list shows it as the store keeps it, and its span names and traces are found by the whole name, the
   * same on both. Two names that only differ after their first 1,024 bytes are one service in PostgreSQL's index.
   */
  @Test
  void aServiceNameLongerThanTheIndexKeepsIsFoundByItsWholeName() throws Exception {
    String longName = "\u670d".repeat(400); // 1,200 UTF-8 bytes
    String sameStart = longName.substring(0, 399) + "x"; // the same first 1,197 bytes
    try (StoreUnderTest longStore = open("long");
        StoreUnderTest expectedStore = new SqliteStore(dir.resolve("long.db"))) {
      List<TraceRecord> first = List.of(trace(TraceVerdict.COMPLETE,
          S.of("0000000000000000000000000000cafe", "00000000000000cc", null, "long.service").at(100, 10)
              .attrs("{\"service.name\":\"" + longName + "\"}")));
      await(longStore.write(first));
      await(expectedStore.write(first));
      longStore.setWriteTimes(WRITTEN);
      expectedStore.setWriteTimes(WRITTEN);
      TraceQueryService q = longStore.queries(1000);
      TraceQueryService eq = expectedStore.queries(1000);
      CompatQueryService z = new CompatQueryService(q);
      CompatQueryService e = new CompatQueryService(eq);
      assertEquals(new JsonArray().add(longStore.indexKey(longName)), new JsonArray(await(z.services(null))));
      assertEquals(new JsonArray().add("long.service"),
          new JsonArray(same(e.spanNames(longName, "acme"), z.spanNames(longName, "acme"))));
      ZipkinTraceQuery byService = ZipkinTraceQuery.parse(params("serviceName", longName), NOW);
      ZipkinTraceQuery byBoth = ZipkinTraceQuery.parse(params("serviceName", longName, "spanName", "long.service"),
          NOW);
      for (ZipkinTraceQuery zq : List.of(byService, byBoth)) {
        assertEquals(1, new JsonArray(same(e.zipkinTraces(zq, null), z.zipkinTraces(zq, null))).size());
      }
      TraceSearch search = TraceSearch.parse(params("service", longName));
      assertEquals(1, new JsonObject(same(eq.searchJson(search, null), q.searchJson(search, null)))
          .getJsonArray("traces").size());

      List<TraceRecord> second = List.of(trace(TraceVerdict.COMPLETE,
          S.of("0000000000000000000000000000beef", "00000000000000dd", null, "same.start").at(200, 10)
              .attrs("{\"service.name\":\"" + sameStart + "\"}")));
      await(longStore.write(second));
      await(expectedStore.write(second));
      boolean oneKey = longStore.indexKey(longName).equals(longStore.indexKey(sameStart));
      assertEquals(oneKey ? 2 : 1, new JsonArray(await(z.spanNames(longName, null))).size());
      assertEquals(oneKey ? 2 : 1, new JsonArray(await(z.zipkinTraces(byService, null))).size());
      assertEquals(1, new JsonArray(await(e.zipkinTraces(byService, null))).size());
      // A span condition reads the span's own attributes: whole names, apart again.
      assertEquals(1, new JsonArray(same(e.zipkinTraces(byBoth, null), z.zipkinTraces(byBoth, null))).size());
    }
  }

  // ---------------------------------------------------------------- the scan bound

  /**
   * A search that probes spans examines at most {@link TraceQueryService#SPAN_NAME_SCAN_TRACES} traces per request:
   * a rare name beyond them is found through a partial page and its cursor, the same on both; Zipkin's search, which
   * has no cursor, answers without it.
   */
  @Test
  void aProbeBeyondTheScanBoundIsPartialTheSameWay() throws Exception {
    try (StoreUnderTest bulk = open("bulk"); StoreUnderTest expectedBulk = new SqliteStore(dir.resolve("bulk.db"))) {
      List<List<TraceRecord>> batches = new ArrayList<>();
      batches.add(List.of(trace(TraceVerdict.COMPLETE, S.of("a0", "r", null, "git.push").at(0, 1))));
      int newer = TraceQueryService.SPAN_NAME_SCAN_TRACES + 10;
      for (int b = 0; b < newer; b += 5000) {
        List<TraceRecord> batch = new ArrayList<>();
        for (int i = b; i < Math.min(newer, b + 5000); i++) {
          batch.add(trace(TraceVerdict.COMPLETE,
              S.of(Integer.toHexString(0x100000 + i), "r", null, "llm.chat").at(10_000 + i, 1)));
        }
        batches.add(batch);
      }
      for (List<TraceRecord> batch : batches) {
        await(bulk.write(batch));
        await(expectedBulk.write(batch));
      }
      bulk.setWriteTimes(WRITTEN);
      expectedBulk.setWriteTimes(WRITTEN);
      TraceQueryService q = bulk.queries(1000);
      TraceQueryService e = expectedBulk.queries(1000);
      TraceSearch rare = TraceSearch.parse(params("span_name", "git.push"));
      JsonObject first = new JsonObject(same(e.searchJson(rare, null), q.searchJson(rare, null)));
      assertEquals(0, first.getJsonArray("traces").size());
      assertEquals(true, first.getBoolean("partial"));
      TraceSearch next = TraceSearch.parse(params("span_name", "git.push", "cursor", first.getString("next_cursor")));
      JsonObject second = new JsonObject(same(e.searchJson(next, "acme"), q.searchJson(next, "acme")));
      assertEquals("a0", second.getJsonArray("traces").getJsonObject(0).getString("trace_id"));
      TraceSearch common = TraceSearch.parse(params("attr", "k=nothing", "limit", "5"));
      same(e.searchJson(common, null), q.searchJson(common, null));

      CompatQueryService z = new CompatQueryService(q);
      CompatQueryService ez = new CompatQueryService(e);
      long now = T0 + 10_000 + newer + 1000;
      ZipkinTraceQuery beyond = ZipkinTraceQuery.parse(params("spanName", "git.push", "endTs", Long.toString(now),
          "lookback", Long.toString(now - T0 + 1000)), now);
      assertEquals("[]", same(ez.zipkinTraces(beyond, null), z.zipkinTraces(beyond, null)));
      ZipkinTraceQuery narrow = ZipkinTraceQuery.parse(params("spanName", "git.push", "endTs",
          Long.toString(T0 + 5000), "lookback", "60000"), now);
      assertEquals(1, new JsonArray(same(ez.zipkinTraces(narrow, null), z.zipkinTraces(narrow, null))).size());
    }
  }
}
