package dev.swarm.pipeline.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceTreeWriterTest {

  private static final JsonFactory DEEP_JSON = new JsonFactoryBuilder()
      .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build())
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build())
      .build();

  private static StoredSpan span(String id, String parent, int startOffset) {
    return new StoredSpan("t1", id, parent, "op-" + id, "internal", "ok",
        String.format("2026-11-27T23:24:%02d.000Z", startOffset), null, null, null, null, null, "{\"n\":1}", "[]");
  }

  private static String write(List<StoredSpan> spans) throws IOException {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = DEEP_JSON.createGenerator(out)) {
      gen.writeStartObject();
      new TraceTreeWriter(spans).writeFields(gen);
      gen.writeEndObject();
    }
    return out.toString();
  }

  private static List<String> ids(JsonArray nodes) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      out.add(nodes.getJsonObject(i).getString("id"));
    }
    return out;
  }

  @Test
  void nestsChildrenUnderTheirParentsInStartOrder() throws IOException {
    JsonObject doc = new JsonObject(write(List.of(
        span("c", "r", 5), span("r", null, 0), span("b", "r", 3), span("d", "b", 4), span("a", "r", 3))));
    JsonObject root = doc.getJsonObject("root");
    assertEquals("r", root.getString("id"));
    assertEquals(List.of("a", "b", "c"), ids(root.getJsonArray("children"))); // a before b: same start, by id
    assertEquals(List.of("d"), ids(root.getJsonArray("children").getJsonObject(1).getJsonArray("children")));
    assertEquals(List.of(), doc.getJsonArray("orphans").getList());
    JsonObject a = root.getJsonArray("children").getJsonObject(0);
    assertEquals("r", a.getString("parent_span_id"));
    assertEquals("t1", a.getString("trace_id"));
    assertEquals("op-a", a.getString("span_name"));
    assertEquals("internal", a.getString("span_kind"));
    assertEquals("ok", a.getString("status"));
    assertEquals("2026-11-27T23:24:03.000Z", a.getString("start_time"));
    assertEquals(new JsonObject().put("n", 1), a.getJsonObject("attributes"));
    assertEquals(new JsonArray(), a.getJsonArray("events"));
    assertTrue(!root.containsKey("parent_span_id") && !root.containsKey("end_time") && !root.containsKey("duration_ms"));
  }

  @Test
  void orphansExtraRootsAndCyclesAllAppearExactlyOnce() throws IOException {
    List<StoredSpan> spans = List.of(
        span("r", null, 0), span("a", "r", 1),
        span("o", "missing", 2), span("o1", "o", 3), // subtree whose parent is missing
        span("r2", null, 4), span("r2a", "r2", 5), // a second root
        span("x", "y", 6), span("y", "x", 7), span("xh", "x", 8), // a two-span cycle with a span hanging under it
        span("s", "s", 9)); // a span that is its own parent
    JsonObject doc = new JsonObject(write(spans));
    assertEquals("r", doc.getJsonObject("root").getString("id"));
    JsonArray orphans = doc.getJsonArray("orphans");
    assertEquals(List.of("o", "r2", "x", "s"), ids(orphans));
    assertEquals(List.of("o1"), ids(orphans.getJsonObject(0).getJsonArray("children")));
    assertEquals(List.of("r2a"), ids(orphans.getJsonObject(1).getJsonArray("children")));
    JsonObject x = orphans.getJsonObject(2);
    assertEquals(List.of("xh", "y"), ids(x.getJsonArray("children")).stream().sorted().toList());
    JsonObject y = x.getJsonArray("children").getJsonObject(ids(x.getJsonArray("children")).indexOf("y"));
    assertEquals(List.of(), ids(y.getJsonArray("children"))); // cut where x would repeat
    assertEquals(List.of(), ids(orphans.getJsonObject(3).getJsonArray("children")));

    List<String> all = new ArrayList<>();
    collect(doc.getJsonObject("root"), all);
    for (int i = 0; i < orphans.size(); i++) {
      collect(orphans.getJsonObject(i), all);
    }
    assertEquals(spans.size(), all.size());
    assertEquals(spans.size(), new HashSet<>(all).size());
  }

  @Test
  void aTraceWithoutARootHasANullRoot() throws IOException {
    JsonObject doc = new JsonObject(write(List.of(span("a", "gone", 0), span("b", "a", 1))));
    assertNull(doc.getValue("root"));
    assertEquals(List.of("a"), ids(doc.getJsonArray("orphans")));
  }

  @Test
  void aTenThousandDeepChainIsWrittenAndReadsBackIntact() throws IOException {
    int depth = 10_000;
    List<StoredSpan> spans = new ArrayList<>(depth);
    for (int i = 0; i < depth; i++) {
      spans.add(new StoredSpan("t1", "s" + i, i == 0 ? null : "s" + (i - 1), "op", "internal", "ok",
          "2026-11-27T23:24:23.123Z", null, null, null, null, null, "{}", "[]"));
    }
    java.util.Collections.reverse(spans); // storage order must not matter
    String json = write(spans);
    // Walk it back with a streaming parser: every span once, each nested one level under its parent.
    int maxObjectDepth = 0;
    int objectDepth = 0;
    Set<String> seen = new HashSet<>();
    String expectedNext = "s0";
    try (JsonParser p = DEEP_JSON.createParser(json)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.START_OBJECT) {
          objectDepth++;
          maxObjectDepth = Math.max(maxObjectDepth, objectDepth);
        } else if (t == JsonToken.END_OBJECT) {
          objectDepth--;
        } else if (t == JsonToken.FIELD_NAME && p.currentName().equals("id")) {
          String id = p.nextTextValue();
          assertEquals(expectedNext, id);
          assertTrue(seen.add(id));
          expectedNext = "s" + (Integer.parseInt(id.substring(1)) + 1);
        } else if (t == JsonToken.FIELD_NAME && p.currentName().equals("attributes")) {
          p.nextToken();
          p.skipChildren();
        }
      }
    }
    assertEquals(depth, seen.size());
    assertEquals(depth + 1, maxObjectDepth); // the document object plus one per span
  }

  private static void collect(JsonObject node, List<String> out) {
    // Iterative, like the writer.
    List<JsonObject> stack = new ArrayList<>(List.of(node));
    while (!stack.isEmpty()) {
      JsonObject n = stack.remove(stack.size() - 1);
      out.add(n.getString("id"));
      JsonArray kids = n.getJsonArray("children");
      for (int i = 0; i < kids.size(); i++) {
        stack.add(kids.getJsonObject(i));
      }
    }
  }
}
