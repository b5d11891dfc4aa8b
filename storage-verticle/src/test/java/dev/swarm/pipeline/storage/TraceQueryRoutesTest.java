package dev.swarm.pipeline.storage;

import static dev.swarm.pipeline.storage.Await.await;
import static dev.swarm.pipeline.storage.TestSpans.message;
import static dev.swarm.pipeline.storage.TestSpans.span;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.TraceVerdict;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceQueryRoutesTest {

  @TempDir
  Path dir;

  private Vertx vertx;
  private StorageDatabase database;
  private TraceWriter writer;
  private HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    database = await(StorageDatabase.open(vertx, SqliteSettings.defaults(dir.resolve("swarm.db")), 2, 5000, 0));
    writer = new TraceWriter(database::newWriterPool);
    Router router = Router.router(vertx);
    TraceQueryRoutes.mount(router, new TraceQueryService(vertx, database.readerPool(), 1000));
    server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    await(writer.write(List.of(message(TraceVerdict.COMPLETE,
        List.of(span("t1", "r", null, "agent.run", 0), span("t1", "c", "r", "llm.chat", 1))))));
  }

  @AfterEach
  void stop() {
    await(server.close());
    await(writer.close());
    await(database.close());
    await(vertx.close());
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void getsATrace() throws Exception {
    HttpResponse<String> r = get("/api/traces/t1");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    JsonObject doc = new JsonObject(r.body());
    assertEquals("r", doc.getJsonObject("root").getString("id"));
    assertEquals("c", doc.getJsonObject("root").getJsonArray("children").getJsonObject(0).getString("id"));
  }

  @Test
  void anUnknownTraceIs404WithItsId() throws Exception {
    HttpResponse<String> r = get("/api/traces/t%2F404");
    assertEquals(404, r.statusCode());
    assertEquals(new JsonObject().put("error", "trace not found").put("trace_id", "t/404"), new JsonObject(r.body()));
  }

  @Test
  void searchesWithAPage() throws Exception {
    HttpResponse<String> r = get("/api/traces?tenant_id=tenant-1&span_name=llm.chat&limit=1");
    assertEquals(200, r.statusCode());
    JsonObject page = new JsonObject(r.body());
    assertEquals(1, page.getJsonArray("traces").size());
    assertEquals("t1", page.getJsonArray("traces").getJsonObject(0).getString("trace_id"));
    assertTrue(page.containsKey("next_cursor"));
    assertEquals(null, page.getValue("next_cursor"));
  }

  @Test
  void badParametersAre400NamingEachOne() throws Exception {
    HttpResponse<String> r = get("/api/traces?limit=5000&colour=red");
    assertEquals(400, r.statusCode());
    JsonObject body = new JsonObject(r.body());
    assertEquals("invalid query parameters", body.getString("error"));
    JsonArray details = body.getJsonArray("details");
    List<String> fields = details.stream().map(d -> ((JsonObject) d).getString("field")).sorted().toList();
    assertEquals(List.of("colour", "limit"), fields);
    for (Object d : details) {
      assertTrue(!((JsonObject) d).getString("message").isEmpty());
    }
  }
}
