package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.schema.Timestamps;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.Encoding;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * Zipkin's own reporter (zipkin-reporter, URLConnection sender) posts spans, JSON to {@code /api/v2/spans} and
 * proto3 to {@code /zipkin/api/v2/spans}; the stored trace matches what was sent, a shared server span included.
 */
class ZipkinReporterTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300"));

  @Test
  void jsonReportsAreStoredAsSent() throws Exception {
    reportAndCheck(Encoding.JSON, "/api/v2/spans", false);
  }

  @Test
  void proto3ReportsUnderTheZipkinPrefixAreStoredAsSent() throws Exception {
    reportAndCheck(Encoding.PROTO3, "/zipkin/api/v2/spans", true);
  }

  private void reportAndCheck(Encoding encoding, String path, boolean traceId128) throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String traceId = traceId128 ? hex(random.nextLong()) + hex(random.nextLong()) : hex(random.nextLong());
    String clientId = hex(random.nextLong());
    String dbId = hex(random.nextLong());
    long t0 = (System.currentTimeMillis() - 5000) * 1000; // microseconds
    Span client = Span.newBuilder().traceId(traceId).id(clientId).name("get /tickets").kind(Span.Kind.CLIENT)
        .timestamp(t0).duration(40_000).localEndpoint(Endpoint.newBuilder().serviceName("frontend").build())
        .remoteEndpoint(Endpoint.newBuilder().serviceName("ticket-api").ip("10.0.0.2").port(8080).build())
        .putTag("http.path", "/tickets").putTag("tenant_id", "acme").build();
    Span server = Span.newBuilder().traceId(traceId).id(clientId).name("get /tickets").kind(Span.Kind.SERVER)
        .shared(true).timestamp(t0 + 5_000).duration(30_000)
        .localEndpoint(Endpoint.newBuilder().serviceName("ticket-api").build()).build();
    Span db = Span.newBuilder().traceId(traceId).parentId(clientId).id(dbId).name("select tickets")
        .timestamp(t0 + 10_000).duration(10_000).localEndpoint(Endpoint.newBuilder().serviceName("ticket-api").build())
        .addAnnotation(t0 + 12_000, "rows.fetched").putTag("error", "deadlock").build();

    URLConnectionSender sender = URLConnectionSender.newBuilder()
        .endpoint("http://127.0.0.1:" + PIPELINE.app().config().httpPort() + path).encoding(encoding).build();
    try (AsyncReporter<Span> reporter = AsyncReporter.builder(sender).build()) {
      reporter.report(client);
      reporter.report(server);
      reporter.report(db);
      reporter.flush(); // sends synchronously; the reporter drops (and only logs) spans a server refuses
      assertEquals(0, refusedRequests(), "the pipeline refused a report");
    }
    sender.close();

    String stored = traceId128 ? traceId : "0000000000000000" + traceId;
    JsonObject trace = awaitComplete(stored);
    assertEquals(3, trace.getInteger("span_count"));
    assertEquals("acme", trace.getString("tenant_id"));
    JsonObject root = trace.getJsonObject("root");
    assertEquals(clientId, root.getString("id"));
    assertNull(root.getString("parent_span_id"));
    assertEquals("client", root.getString("span_kind"));
    assertEquals(Timestamps.formatIso(t0 / 1000), root.getString("start_time"));
    assertEquals(40L, root.getLong("duration_ms"));
    JsonObject attributes = root.getJsonObject("attributes");
    assertEquals("frontend", attributes.getString("service.name"));
    assertEquals("ticket-api", attributes.getString("peer.service"));
    assertEquals("10.0.0.2", attributes.getString("network.peer.address"));
    assertEquals(8080, attributes.getInteger("network.peer.port"));
    assertEquals("/tickets", attributes.getString("http.path"));

    JsonArray children = root.getJsonArray("children");
    assertEquals(2, children.size());
    JsonObject sharedServer = children.getJsonObject(0); // starts first
    assertEquals(clientId + ":server", sharedServer.getString("id")); // not collapsed with the client span
    assertEquals(clientId, sharedServer.getString("parent_span_id"));
    assertEquals("server", sharedServer.getString("span_kind"));
    assertEquals("ticket-api", sharedServer.getJsonObject("attributes").getString("service.name"));
    JsonObject dbSpan = children.getJsonObject(1);
    assertEquals(dbId, dbSpan.getString("id"));
    assertEquals("error", dbSpan.getString("status"));
    assertEquals("rows.fetched", dbSpan.getJsonArray("events").getJsonObject(0).getString("name"));

    // Back out through the Zipkin API: the shared span is one id with shared=true again.
    JsonArray zipkin = new JsonArray(PIPELINE.http().get("/zipkin/api/v2/trace/" + traceId).body());
    assertEquals(3, zipkin.size());
    JsonObject sharedOut = zipkin.stream().map(JsonObject.class::cast)
        .filter(s -> Boolean.TRUE.equals(s.getBoolean("shared"))).findFirst().orElseThrow();
    assertEquals(clientId, sharedOut.getString("id"));
    assertEquals("SERVER", sharedOut.getString("kind"));
  }

  private static long refusedRequests() {
    String metrics = PIPELINE.http().get("/metrics").body();
    return metrics.lines().filter(l -> l.startsWith("trace_ingest_requests_total{outcome=\"rejected\"}")
        || l.startsWith("trace_ingest_requests_total{outcome=\"unsupported_media_type\"}"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  static String hex(long v) {
    return String.format("%016x", v);
  }

  static JsonObject awaitComplete(String traceId) {
    HttpResponse<String> found = Await.until("trace " + traceId + " stored complete", Duration.ofSeconds(30),
        () -> PIPELINE.http().get("/api/traces/" + traceId),
        r -> r.statusCode() == 200 && new JsonObject(r.body()).getBoolean("complete"));
    return new JsonObject(found.body());
  }
}
