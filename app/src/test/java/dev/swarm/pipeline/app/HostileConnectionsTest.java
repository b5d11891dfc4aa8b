package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that hold connections without using them, or never finish a body: they are cut off, and an honest client
 * is still served.
 */
class HostileConnectionsTest {
  private static Path dir;
  private static PipelineApp app;
  private static Http http;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("hostile");
    app = TestPipeline.start(dir, Map.of("HTTP_MAX_CONNECTIONS", "40", "HTTP_IDLE_TIMEOUT", "3s",
        "HTTP_REQUEST_TIMEOUT", "2s"));
    port = app.config().httpPort();
    http = new Http(port);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void connectionsPastTheCapAreClosedAtOnceAndTheProcessStaysUp() throws Exception {
    double refusedBefore = app.registry().get("trace.http.connections.refused").counter().count();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        sockets.add(new Socket("127.0.0.1", port)); // silent: never sends a byte
      }
      Await.until("the connections past the cap to be refused", Duration.ofSeconds(10),
          () -> app.registry().get("trace.http.connections.refused").counter().count() - refusedBefore,
          n -> n >= 160);
      int open = 0;
      for (Socket s : sockets) {
        if (!closedByServer(s, 100)) {
          open++;
        }
      }
      assertTrue(open <= 40, open + " connections stayed open past the cap of 40");
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    Await.until("the connections to be released", Duration.ofSeconds(10),
        () -> app.registry().get("trace.http.connections").gauge().value(), n -> n <= 1);
    assertEquals(200, http.get("/health/live").statusCode());
    assertEquals(202, http.postJson("/api/traces", spans().encode()).statusCode());
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      long start = System.nanoTime();
      assertTrue(closedByServer(s, 15_000), "an idle connection stayed open");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms >= 2000, "closed after " + ms + " ms, before the idle timeout");
    }
  }

  @Test
  void aBodyThatNeverEndsGets408WhileAnHonestClientIsServed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100000\r\n\r\n[{\"id\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Meanwhile an honest client is served as usual.
      assertEquals(202, http.postJson("/api/traces", spans().encode()).statusCode());
      s.setSoTimeout(10_000);
      String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 408", answer);
      assertTrue(closedByServer(s, 5000), "the connection is closed after the 408");
    }
    assertTrue(http.get("/metrics").body().contains("trace_ingest_requests_total{outcome=\"timeout\"}"));
  }

  @Test
  void aGzipLabelledBodyThatIsNotGzipGetsAnAnswerAndIsCounted() {
    double rejected = rejectedRequests();
    var r = http.post("/api/traces", spans().encode().getBytes(StandardCharsets.UTF_8), "application/json",
        "Content-Encoding", "gzip");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("not valid gzip"), r.body());
    assertEquals(rejected + 1, rejectedRequests());
    // The same on the OTLP and Zipkin endpoints, which share the path.
    assertEquals(400, http.post("/v1/traces", new byte[] {1, 2, 3}, "application/x-protobuf", "Content-Encoding", "gzip")
        .statusCode());
    assertEquals(400, http.post("/api/v2/spans", "[]".getBytes(StandardCharsets.UTF_8), "application/json",
        "Content-Encoding", "gzip").statusCode());
    // And a real gzip body still works.
    assertEquals(202, http.post("/api/traces", Http.gzip(spans().encode()), "application/json",
        "Content-Encoding", "gzip").statusCode());
  }

  @Test
  void anEncodingOtherThanGzipIsRefusedWith415() {
    var r = http.post("/api/traces", spans().encode().getBytes(StandardCharsets.UTF_8), "application/json",
        "Content-Encoding", "deflate");
    assertEquals(415, r.statusCode(), r.body());
    assertTrue(r.body().contains("gzip or identity"), r.body());
  }

  @Test
  void aPathWithDotSegmentsNamesNoResource() throws Exception {
    // Sent raw: the JDK client would resolve the dot itself.
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream().write("GET /api/traces/. HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(10_000);
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
      assertTrue(answer.contains("segments"), answer);
    }
    assertEquals(200, http.get("/api/traces?limit=1").statusCode());
  }

  @Test
  void aMalformedEscapeIsAnsweredWithJsonAndNotLoggedAsAnError() throws Exception {
    List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
    var capture = new org.apache.logging.log4j.core.appender.AbstractAppender("errors", null, null, true,
        org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
      @Override
      public void append(org.apache.logging.log4j.core.LogEvent event) {
        errors.add(event.getLoggerName() + ": " + event.getMessage().getFormattedMessage());
      }
    };
    capture.start();
    context.getConfiguration().getRootLogger().addAppender(capture, org.apache.logging.log4j.Level.ERROR, null);
    context.updateLoggers();
    try {
      for (String target : List.of("/api/traces/%zz", "/api/traces?limit=%zz", "/zipkin/api/v2/traces?limit=%zz")) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          s.setSoTimeout(10_000);
          String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
          assertTrue(answer.startsWith("HTTP/1.1 400"), target + ": " + answer);
          assertTrue(answer.contains("application/json") && answer.contains("malformed request"), target + ": " + answer);
        }
      }
      assertEquals(List.of(), errors, "a client's malformed request is not an error of the pipeline");
    } finally {
      context.getConfiguration().getRootLogger().removeAppender("errors");
      context.updateLoggers();
    }
    assertEquals(200, http.get("/api/traces?limit=1").statusCode());
  }

  private static double rejectedRequests() {
    return app.registry().get("trace.ingest.requests").tag("outcome", "rejected").counter().count();
  }

  /** True when the server closed the connection within {@code ms} (read sees the end of the stream). */
  private static boolean closedByServer(Socket s, int ms) throws IOException {
    s.setSoTimeout(ms);
    InputStream in = s.getInputStream();
    try {
      while (true) {
        int b = in.read();
        if (b < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static JsonArray spans() {
    String traceId = TestSpans.newTraceId();
    return new JsonArray().add(TestSpans.span(traceId, "r", null));
  }
}
