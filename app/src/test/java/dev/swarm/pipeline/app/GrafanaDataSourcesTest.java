package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.TracesData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replays the requests Grafana's Zipkin and Tempo data sources make (paths, query parameters and headers as
 * Grafana's backend sends them, pkg/tsdb/zipkin and pkg/tsdb/tempo) against the data source URLs of
 * docs/grafana.md, and checks the answers against what Grafana parses: zipkin-go's span model for Zipkin, Tempo's
 * TraceByIDResponse / Trace protobuf for Tempo.
 */
class GrafanaDataSourcesTest {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension(Map.of("TRACE_IDLE_MS", "300"));

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Pattern HEX32 = Pattern.compile("[0-9a-f]{1,32}");
  private static final Pattern HEX16 = Pattern.compile("[0-9a-f]{1,16}");
  private static String zipkinUrl;
  private static String tempoUrl;
  private static String traceId;

  @BeforeAll
  static void storeATrace() {
    zipkinUrl = "http://127.0.0.1:" + PIPELINE.app().config().httpPort() + "/zipkin";
    tempoUrl = "http://127.0.0.1:" + PIPELINE.app().config().httpPort() + "/tempo";
    traceId = TestSpans.newTraceId();
    long t0 = (System.currentTimeMillis() - 60_000) * 1000;
    JsonArray spans = new JsonArray()
        .add(new JsonObject().put("traceId", traceId).put("id", "00000000000000a1").put("name", "GET /tickets")
            .put("kind", "SERVER").put("timestamp", t0).put("duration", 250_000)
            .put("localEndpoint", new JsonObject().put("serviceName", "ticket-api"))
            .put("tags", new JsonObject().put("http.method", "GET")))
        .add(new JsonObject().put("traceId", traceId).put("id", "00000000000000b2").put("parentId", "00000000000000a1")
            .put("name", "select").put("kind", "CLIENT").put("timestamp", t0 + 1000).put("duration", 90_000)
            .put("localEndpoint", new JsonObject().put("serviceName", "ticket-api"))
            .put("remoteEndpoint", new JsonObject().put("serviceName", "postgres"))
            .put("annotations", new JsonArray().add(new JsonObject().put("timestamp", t0 + 2000).put("value", "sent")))
            .put("tags", new JsonObject().put("error", "timeout")));
    assertEquals(202, PIPELINE.http().postJson("/api/v2/spans", spans.encode()).statusCode());
    // A native span (no service.name) in another trace, listed under "unknown".
    assertEquals(202, PIPELINE.http().postJson("/api/traces", new JsonObject().put("id", "c3c3c3c3c3c3c3c3")
        .put("trace_id", TestSpans.newTraceId()).put("span_name", "agent.run")
        .put("start_time", dev.swarm.pipeline.schema.Timestamps.formatIso(System.currentTimeMillis() - 30_000)).encode())
        .statusCode());
    Await.until("the trace stored", Duration.ofSeconds(30), () -> PIPELINE.http().get("/api/traces/" + traceId),
        r -> r.statusCode() == 200);
  }

  /** GET as Grafana's Go backend does it: its User-Agent, gzip accepted (and undone here, as Go's client does). */
  private static HttpResponse<byte[]> grafanaGet(String url, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET()
        .header("User-Agent", "Grafana/12.0.1").header("Accept-Encoding", "gzip");
    if (accept != null) {
      b.header("Accept", accept);
    }
    try {
      HttpResponse<byte[]> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      if ("gzip".equals(r.headers().firstValue("Content-Encoding").orElse(""))) {
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes();
        return new HttpResponse<>() {
          public int statusCode() { return r.statusCode(); }
          public HttpRequest request() { return r.request(); }
          public java.util.Optional<HttpResponse<byte[]>> previousResponse() { return r.previousResponse(); }
          public java.net.http.HttpHeaders headers() { return r.headers(); }
          public byte[] body() { return plain; }
          public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return r.sslSession(); }
          public URI uri() { return r.uri(); }
          public HttpClient.Version version() { return r.version(); }
        };
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void zipkinDataSourceBrowsesServicesSpanNamesAndTraces() {
    // "Save & test" and the service list.
    HttpResponse<byte[]> services = grafanaGet(zipkinUrl + "/api/v2/services", null);
    assertEquals(200, services.statusCode());
    JsonArray serviceNames = new JsonArray(text(services));
    assertTrue(serviceNames.contains("ticket-api"), serviceNames.encode());
    assertTrue(serviceNames.contains("unknown"), serviceNames.encode());
    serviceNames.forEach(s -> assertTrue(s instanceof String));

    HttpResponse<byte[]> spanNames = grafanaGet(zipkinUrl + "/api/v2/spans?serviceName=ticket-api", null);
    assertEquals(200, spanNames.statusCode());
    assertEquals(new JsonArray(List.of("get /tickets", "select")), new JsonArray(text(spanNames)));

    // Grafana's backend sends serviceName and spanName only; the other Zipkin parameters are accepted too.
    HttpResponse<byte[]> traces = grafanaGet(zipkinUrl + "/api/v2/traces?serviceName=ticket-api&spanName="
        + q("get /tickets"), null);
    assertEquals(200, traces.statusCode());
    JsonArray list = new JsonArray(text(traces));
    assertEquals(1, list.size(), list.encode());
    JsonArray trace = list.getJsonArray(0);
    trace.forEach(s -> assertZipkinGoParses((JsonObject) s));
    // The trace picker labels a trace by its root span: `${root.name} [${root.duration / 1000} ms]`.
    JsonObject root = trace.stream().map(JsonObject.class::cast).filter(s -> !s.containsKey("parentId"))
        .findFirst().orElseThrow();
    assertEquals("GET /tickets", root.getString("name"));
    assertEquals(250_000L, root.getLong("duration"));
    assertEquals(traceId, root.getString("traceId"));

    String all = zipkinUrl + "/api/v2/traces?serviceName=ticket-api&spanName=all&annotationQuery=" + q("error")
        + "&minDuration=50000&maxDuration=100000&endTs=" + System.currentTimeMillis() + "&lookback=3600000&limit=10";
    assertEquals(1, new JsonArray(text(grafanaGet(all, null))).size());
    assertEquals(0, new JsonArray(text(grafanaGet(all.replace("minDuration=50000", "minDuration=95000"), null))).size());
    assertEquals(400, grafanaGet(zipkinUrl + "/api/v2/traces?limit=none", null).statusCode());
  }

  @Test
  void zipkinDataSourceLoadsOneTrace() {
    HttpResponse<byte[]> found = grafanaGet(zipkinUrl + "/api/v2/trace/" + traceId, null);
    assertEquals(200, found.statusCode());
    assertEquals("application/json", found.headers().firstValue("Content-Type").orElse(""));
    JsonArray spans = new JsonArray(text(found));
    assertEquals(2, spans.size());
    spans.forEach(s -> assertZipkinGoParses((JsonObject) s));
    JsonObject select = spans.getJsonObject(1);
    assertEquals("CLIENT", select.getString("kind"));
    assertEquals("postgres", select.getJsonObject("remoteEndpoint").getString("serviceName"));
    assertEquals("timeout", select.getJsonObject("tags").getString("error"));
    assertEquals("sent", select.getJsonArray("annotations").getJsonObject(0).getString("value"));
    assertEquals(404, grafanaGet(zipkinUrl + "/api/v2/trace/" + TestSpans.newTraceId(), null).statusCode());
  }

  @Test
  void tempoDataSourceLoadsATraceAsProtobuf() throws Exception {
    assertEquals("echo", text(grafanaGet(tempoUrl + "/api/echo", null)));
    long now = System.currentTimeMillis() / 1000;
    String range = "?start=" + (now - 3600) + "&end=" + (now + 60);
    HttpResponse<byte[]> v2 = grafanaGet(tempoUrl + "/api/v2/traces/" + traceId + range, "application/protobuf");
    assertEquals(200, v2.statusCode());
    // tempopb.TraceByIDResponse { Trace trace = 1; } and Trace is wire-compatible with TracesData.
    CodedInputStream in = CodedInputStream.newInstance(v2.body());
    assertEquals((1 << 3) | 2, in.readTag());
    TracesData data = TracesData.parseFrom(in.readByteArray());
    List<Span> spans = data.getResourceSpansList().stream().flatMap(rs -> rs.getScopeSpansList().stream())
        .flatMap(ss -> ss.getSpansList().stream()).toList();
    assertEquals(2, spans.size());
    assertEquals(traceId, HexFormat.of().formatHex(spans.get(0).getTraceId().toByteArray()));
    assertEquals("ticket-api", data.getResourceSpans(0).getResource().getAttributes(0).getValue().getStringValue());
    assertEquals(spans.get(0).getSpanId(), spans.get(1).getParentSpanId());
    assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, spans.get(1).getKind());

    // Unknown on v2: 404, and Grafana falls back to v1, which answers 404 too.
    String unknown = TestSpans.newTraceId();
    assertEquals(404, grafanaGet(tempoUrl + "/api/v2/traces/" + unknown + range, "application/protobuf").statusCode());
    assertEquals(404, grafanaGet(tempoUrl + "/api/traces/" + unknown + range, "application/protobuf").statusCode());
    HttpResponse<byte[]> v1 = grafanaGet(tempoUrl + "/api/traces/" + traceId, "application/protobuf");
    assertEquals(data, TracesData.parseFrom(v1.body()));

    JsonObject json = new JsonObject(text(grafanaGet(tempoUrl + "/api/v2/traces/" + traceId, "application/json")));
    assertNotNull(json.getJsonObject("trace").getJsonArray("resourceSpans"));
    // The native query API at /api/traces/{id} is untouched by the prefixes.
    assertFalse(new JsonObject(PIPELINE.http().get("/api/traces/" + traceId).body()).containsKey("batches"));
  }

  /** What zipkin-go's SpanModel (Grafana's Zipkin backend) accepts: hex ids, integral times, string tags. */
  static void assertZipkinGoParses(JsonObject span) {
    assertTrue(HEX32.matcher(span.getString("traceId")).matches(), span.encode());
    assertTrue(HEX16.matcher(span.getString("id")).matches(), span.encode());
    if (span.containsKey("parentId")) {
      assertTrue(HEX16.matcher(span.getString("parentId")).matches(), span.encode());
    }
    assertTrue(span.getValue("timestamp") instanceof Number);
    if (span.containsKey("duration")) {
      assertTrue(span.getValue("duration") instanceof Number);
    }
    if (span.containsKey("kind")) {
      assertTrue(List.of("CLIENT", "SERVER", "PRODUCER", "CONSUMER").contains(span.getString("kind")));
    }
    for (String endpoint : List.of("localEndpoint", "remoteEndpoint")) {
      if (span.containsKey(endpoint)) {
        assertEquals(List.of("serviceName"), List.copyOf(span.getJsonObject(endpoint).fieldNames()));
      }
    }
    if (span.containsKey("tags")) {
      span.getJsonObject("tags").forEach(e -> assertTrue(e.getValue() instanceof String, e.getKey()));
    }
    if (span.containsKey("annotations")) {
      span.getJsonArray("annotations").forEach(a -> {
        assertTrue(((JsonObject) a).getValue("timestamp") instanceof Number);
        assertTrue(((JsonObject) a).getValue("value") instanceof String);
      });
    }
  }
}
