package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every 4xx answer publishes nothing: after all of them, the spans topic of this fresh pipeline is empty.
 * The limits are lowered so the over-limit cases stay small.
 */
class IngestRejectionTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("MAX_BODY_BYTES", "65536", "MAX_SPANS_PER_REQUEST", "5"));
  static PipelineApp app;
  static Http http;

  @BeforeAll
  static void bind() {
    app = PIPELINE.app();
    http = PIPELINE.http();
  }

  static JsonObject good(String id) {
    return TestSpans.span("t-reject", id, null);
  }

  @Test
  void badRequestsAnswerWithJsonErrorsAndPublishNothing() {
    // One invalid span among valid ones: all or nothing, with details naming index and field.
    JsonArray mixed = new JsonArray().add(good("a")).add(good("b")).add(good("c").put("span_kind", "sideways"))
        .add(good("d").put("traceId", "x"));
    HttpResponse<String> invalid = http.postJson("/api/traces", mixed.encode());
    assertEquals(400, invalid.statusCode());
    JsonObject err = new JsonObject(invalid.body());
    assertNotNull(err.getString("error"));
    JsonArray details = err.getJsonArray("details");
    assertEquals(2, details.size(), invalid.body());
    assertEquals(2, details.getJsonObject(0).getInteger("index"));
    assertEquals("span_kind", details.getJsonObject(0).getString("field"));
    assertEquals(3, details.getJsonObject(1).getInteger("index"));
    assertEquals("traceId", details.getJsonObject(1).getString("field"));

    HttpResponse<String> notJson = http.postJson("/api/traces", "{\"id\": ");
    assertEquals(400, notJson.statusCode());
    assertNotNull(new JsonObject(notJson.body()).getString("error"));

    HttpResponse<String> wrongType = http.post("/api/traces", good("e").encode().getBytes(StandardCharsets.UTF_8), "text/plain");
    assertEquals(415, wrongType.statusCode());
    assertNotNull(new JsonObject(wrongType.body()).getString("error"));

    JsonArray six = new JsonArray();
    for (int i = 0; i < 6; i++) {
      six.add(good("s" + i));
    }
    HttpResponse<String> tooMany = http.postJson("/api/traces", six.encode());
    assertEquals(413, tooMany.statusCode());
    assertTrue(new JsonObject(tooMany.body()).getString("error").contains("MAX_SPANS_PER_REQUEST"));

    String huge = good("big").put("attributes", new JsonObject().put("pad", "x".repeat(70_000))).encode();
    HttpResponse<String> tooBig = http.postJson("/api/traces", huge);
    assertEquals(413, tooBig.statusCode());
    assertTrue(new JsonObject(tooBig.body()).getString("error").contains("MAX_BODY_BYTES"));

    // A gzip body that inflates past the limit is cut off too (the limit applies after decompression).
    HttpResponse<String> bomb = http.post("/api/traces", Http.gzip(huge), "application/json", "Content-Encoding", "gzip");
    assertEquals(413, bomb.statusCode());

    // The service keeps running: a good request still works afterwards.
    assertEquals(0, TopicReader.recordCount(app.bootstrapServers(), app.config().spansTopic()),
        "no 4xx request may publish anything");
    HttpResponse<String> ok = http.postJson("/api/traces", good("ok").encode());
    assertEquals(202, ok.statusCode(), ok.body());
    assertEquals(1, TopicReader.recordCount(app.bootstrapServers(), app.config().spansTopic()));
  }
}
