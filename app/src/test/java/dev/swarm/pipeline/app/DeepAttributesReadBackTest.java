package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Whatever ingest accepts reads back through every read API, however deeply its attributes nest. */
class DeepAttributesReadBackTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension();

  @Test
  void attributesNested500DeepReadBackEverywhere() throws Exception {
    Http http = PIPELINE.http();
    String traceId = TestSpans.newTraceId();
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      deep.append("{\"a\":");
    }
    deep.append("\"bottom\"");
    deep.append("}".repeat(500));
    JsonObject span = TestSpans.span(traceId, "r", null);
    String body = new JsonArray().add(span).encode()
        .replace("\"attributes\":{", "\"attributes\":{\"deep\":" + deep + ",");
    assertEquals(202, http.postJson("/api/traces", body).statusCode());
    Await.until("the trace to be stored", Duration.ofSeconds(60),
        () -> http.get("/api/traces/" + traceId).statusCode(), s -> s == 200);

    assertTrue(http.get("/api/traces/" + traceId).body().contains("bottom"));
    HttpResponse<String> zipkin = http.get("/zipkin/api/v2/trace/" + traceId);
    assertEquals(200, zipkin.statusCode(), zipkin.body());
    for (String path : new String[] {"/tempo/api/traces/", "/tempo/api/v2/traces/"}) {
      HttpResponse<String> json = http.get(path + traceId);
      assertEquals(200, json.statusCode(), path + ": " + json.body());
      assertTrue(json.body().contains("bottom"), path);
      HttpResponse<byte[]> proto = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + PIPELINE.app().config().httpPort() + path + traceId))
          .header("Accept", "application/protobuf").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, proto.statusCode(), path);
      if (path.contains("v2")) {
        continue; // the v2 body wraps the trace; its JSON form is checked above
      }
      // Parsable with protobuf-java's default recursion limit (100), as Grafana's and most clients' are.
      TracesData parsed = TracesData.parseFrom(proto.body());
      assertEquals(1, parsed.getResourceSpansCount());
    }
  }
}
