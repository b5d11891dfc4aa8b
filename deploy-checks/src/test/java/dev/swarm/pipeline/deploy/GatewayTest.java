package dev.swarm.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose gateway (deploy/haproxy/haproxy.cfg): haproxy accepts it, and, run for real with the Docker DNS
 * names swapped for two local stand-ins, it sends reads of stored traces (the query API and its Zipkin- and
 * Tempo-compatible paths) to storage and everything else, span writes above all, to ingest.
 */
class GatewayTest {
  static final String CONFIG = "deploy/haproxy/haproxy.cfg";

  HttpServer ingest;
  HttpServer storage;
  Process haproxy;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void requireHaproxy() {
    Repo.requireTool("haproxy", "haproxy");
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (haproxy != null) {
      haproxy.destroy();
      if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
        haproxy.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (ingest != null) {
      ingest.stop(0);
    }
    if (storage != null) {
      storage.stop(0);
    }
  }

  @Test
  void haproxyAcceptsTheConfiguration() {
    Repo.runOk("haproxy", "-c", "-f", CONFIG);
  }

  /**
   * A stand-in that answers every path with its own name and the X-Forwarded-For values it got (and 200 on the
   * health check).
   */
  static HttpServer standIn(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      byte[] body = (name + " " + ex.getRequestMethod() + " " + ex.getRequestURI() + " xff="
          + ex.getRequestHeaders().get("X-Forwarded-For")).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return server;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static String replaceOnce(String text, String from, String to) {
    int at = text.indexOf(from);
    if (at < 0) {
      fail(CONFIG + " no longer contains '" + from + "': update this test's stand-in wiring");
    }
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  String send(int port, String method, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
    b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofString("[]")).header("Content-Type", "application/json")
        : b.method(method, HttpRequest.BodyPublishers.noBody());
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
    return r.body();
  }

  @Test
  void traceReadsGoToStorageAndEverythingElseToIngest(@TempDir Path dir) throws Exception {
    ingest = standIn("ingest");
    storage = standIn("storage");
    int apiPort = freePort();
    int statsPort = freePort();
    String config = Files.readString(Repo.file(CONFIG));
    config = replaceOnce(config, "bind :8080", "bind 127.0.0.1:" + apiPort);
    config = replaceOnce(config, "bind :8404", "bind 127.0.0.1:" + statsPort);
    config = replaceOnce(config, "server-template ingest- 16 ingest:8080",
        "server ingest-1 127.0.0.1:" + ingest.getAddress().getPort());
    config = replaceOnce(config, "server storage storage:8080", "server storage 127.0.0.1:" + storage.getAddress().getPort());
    // No Docker DNS here: the stand-ins have fixed addresses, checked often so the test need not wait long.
    config = config.replace(" resolvers docker resolve-prefer ipv4 init-addr none", "").replace("inter 2s", "inter 100ms");
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, config);
    haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();

    awaitBackendsUp(statsPort, dir);

    assertRoutedTo("storage", apiPort, "GET", "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736");
    assertRoutedTo("storage", apiPort, "GET", "/api/traces?tenant_id=acme&limit=5");
    assertRoutedTo("storage", apiPort, "GET", "/zipkin/api/v2/trace/4bf92f3577b34da6a3ce929d0e0e4736");
    assertRoutedTo("storage", apiPort, "GET", "/tempo/api/traces/4bf92f3577b34da6a3ce929d0e0e4736");
    // The trace UI is served where the query API it reads is.
    assertRoutedTo("storage", apiPort, "GET", "/");
    assertRoutedTo("storage", apiPort, "GET", "/ui/trace/4bf92f3577b34da6a3ce929d0e0e4736?find=llm.generate");
    assertRoutedTo("storage", apiPort, "GET", "/ui/assets/js/main.js");
    assertRoutedTo("ingest", apiPort, "GET", "/uiX");
    assertRoutedTo("ingest", apiPort, "POST", "/api/traces");
    assertRoutedTo("ingest", apiPort, "POST", "/zipkin/api/v2/spans");
    assertRoutedTo("ingest", apiPort, "POST", "/v1/traces");
    // Anything else (health, metrics, other paths) goes to the default backend.
    assertRoutedTo("ingest", apiPort, "GET", "/health/ready");
    assertRoutedTo("ingest", apiPort, "GET", "/api/tracesX");
    assertRoutedTo("ingest", apiPort, "GET", "/metrics");
    // The client's address is appended after whatever the client sent: the pipeline takes the rightmost entry its
    // trusted gateway wrote (HTTP_TRUSTED_PROXIES), so a spoofed entry on the left changes nothing.
    assertTrue(send(apiPort, "GET", "/api/traces").endsWith(" xff=[127.0.0.1]"), "the client's address is forwarded");
    HttpResponse<String> spoofed = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
        + "/api/traces")).header("X-Forwarded-For", "198.51.100.1").build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(spoofed.body().endsWith(" xff=[198.51.100.1, 127.0.0.1]"), spoofed.body());
    assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/healthz")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode(), "the compose healthcheck's URL");
  }

  void assertRoutedTo(String backend, int port, String method, String path) throws Exception {
    String answer = send(port, method, path);
    assertTrue(answer.startsWith(backend + " " + method + " "), method + " " + path + " should reach " + backend + ", got: " + answer);
  }

  /** Until HAProxy's health checks mark both servers UP (its CSV stats say so), bounded. */
  void awaitBackendsUp(int statsPort, Path dir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!haproxy.isAlive()) {
        fail("haproxy exited " + haproxy.exitValue() + ":\n" + Files.readString(dir.resolve("haproxy.log")));
      }
      try {
        last = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        if (last.lines().filter(l -> l.startsWith("ingest,ingest-1,") || l.startsWith("storage,storage,"))
            .filter(l -> l.contains(",UP,")).count() == 2) {
          return;
        }
      } catch (IOException notYetListening) {
        last = notYetListening.toString();
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    fail("backends not UP within 20 s; last stats:\n" + last + "\n" + Files.readString(dir.resolve("haproxy.log")));
  }
}
