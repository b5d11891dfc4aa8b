package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceRecord;
import dev.swarm.pipeline.schema.TraceVerdict;
import dev.swarm.pipeline.storage.compat.CompatQueryService;
import dev.swarm.pipeline.storage.compat.ZipkinTraceQuery;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A span-name search examines a bounded number of traces per request; past it the page says it is partial and its
 * cursor goes on from where the scan stopped, so a rare name is still found, page by page. Zipkin's search has no
 * cursor: past the bound its answer is shorter, and a narrower lookback reaches the older traces.
 */
class SpanNameScanTest {
  @TempDir Path dir;

  @Test
  void aRareNameBeyondTheScanBoundIsFoundThroughPartialPages() throws Exception {
    try (TestStore store = TestStore.open(dir.resolve("swarm.db"), 5000, 1)) {
      // The rare trace is the oldest; newer ones (more than one bound's worth) have other names.
      await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("rare", "r", null, "git.push", 0))))));
      int newer = TraceQueryService.SPAN_NAME_SCAN_TRACES + 10;
      for (int b = 0; b < newer; b += 5000) {
        List<TraceRecord> batch = new ArrayList<>();
        for (int i = b; i < Math.min(newer, b + 5000); i++) {
          batch.add(message(TraceVerdict.COMPLETE, List.of(span("t" + i, "r", null, "llm.chat", 10 + i))));
        }
        await(store.writer.write(batch));
      }
      TraceQueryService queries = new TraceQueryService(store.vertx, store.database.readerPool(), 1000);

      JsonObject first = new JsonObject(await(queries.searchJson(TraceSearch.parse(Map.of(
          "span_name", List.of("git.push"))), null)).toString());
      assertEquals(0, first.getJsonArray("traces").size());
      assertEquals(Boolean.TRUE, first.getBoolean("partial"));
      String cursor = first.getString("next_cursor");
      assertTrue(cursor != null && !cursor.isEmpty());

      JsonObject second = new JsonObject(await(queries.searchJson(TraceSearch.parse(Map.of(
          "span_name", List.of("git.push"), "cursor", List.of(cursor))), null)).toString());
      assertEquals("rare", second.getJsonArray("traces").getJsonObject(0).getString("trace_id"));
      assertEquals(null, second.getValue("next_cursor"));
      assertEquals(null, second.getValue("partial"));

      // A common name fills its page within the bound: an ordinary cursor, no "partial".
      JsonObject common = new JsonObject(await(queries.searchJson(TraceSearch.parse(Map.of(
          "span_name", List.of("llm.chat"), "limit", List.of("5"))), null)).toString());
      assertEquals(5, common.getJsonArray("traces").size());
      assertEquals(null, common.getValue("partial"));
      assertTrue(common.getString("next_cursor") != null);
    }
  }

  @Test
  void zipkinSpanNameAndTagSearchesExamineABoundedNumberOfTraces() throws Exception {
    try (TestStore store = TestStore.open(dir.resolve("swarm.db"), 5000, 1)) {
      long base = TestSpans.T0;
      await(store.writer.write(List.of(message(TraceVerdict.COMPLETE, List.of(span("a0", "r", null, "git.push", 0))))));
      int newer = TraceQueryService.SPAN_NAME_SCAN_TRACES + 10;
      for (int b = 0; b < newer; b += 5000) {
        List<TraceRecord> batch = new ArrayList<>();
        for (int i = b; i < Math.min(newer, b + 5000); i++) {
          batch.add(message(TraceVerdict.COMPLETE, List.of(span(Integer.toHexString(0x100000 + i), "r", null,
              "llm.chat", 10_000 + i))));
        }
        await(store.writer.write(batch));
      }
      CompatQueryService zipkin = new CompatQueryService(new TraceQueryService(store.vertx,
          store.database.readerPool(), 1000));
      long now = base + 10_000 + newer + 1000;
      String lookback = String.valueOf(now - base + 1000);

      JsonArray beyond = new JsonArray(await(zipkin.zipkinTraces(ZipkinTraceQuery.parse(Map.of(
          "spanName", List.of("git.push"), "endTs", List.of(String.valueOf(now)), "lookback", List.of(lookback)),
          now), null)).toString());
      assertEquals(0, beyond.size(), "the rare trace lies past the bound");
      JsonArray tagBeyond = new JsonArray(await(zipkin.zipkinTraces(ZipkinTraceQuery.parse(Map.of(
          "annotationQuery", List.of("k=r"), "endTs", List.of(String.valueOf(now)), "lookback", List.of(lookback),
          "limit", List.of("1000")), now), null)).toString());
      assertEquals(1000, tagBeyond.size(), "a common tag fills the page");

      // A lookback that ends before the newer traces reaches the rare one.
      JsonArray narrow = new JsonArray(await(zipkin.zipkinTraces(ZipkinTraceQuery.parse(Map.of(
          "spanName", List.of("git.push"), "endTs", List.of(String.valueOf(base + 5000)),
          "lookback", List.of("60000")), now), null)).toString());
      assertEquals(1, narrow.size());
      assertEquals("a0", narrow.getJsonArray(0).getJsonObject(0).getString("traceId").replaceFirst("^0+", ""));
    }
  }
}
