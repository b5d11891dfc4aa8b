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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compose gateways (deploy/haproxy/haproxy.cfg, and haproxy-postgres.cfg of the postgres profile): haproxy
 * accepts them, and, run for real with the Docker DNS names swapped for two local stand-ins, each sends reads of
 * stored traces (the query API and its Zipkin- and Tempo-compatible paths) to storage and everything else, span
 * writes above all, to ingest. The postgres profile's file differs from the default one only in its storage servers.
 */
class GatewayTest {
  static final String CONFIG = "deploy/haproxy/haproxy.cfg";
  static final String POSTGRES_CONFIG = "deploy/haproxy/haproxy-postgres.cfg";
  /** Each file's storage servers, as the test swaps them for a stand-in. */
  static final Map<String, String> STORAGE_SERVERS = Map.of(
      CONFIG, "server storage storage:8080",
      POSTGRES_CONFIG, "server-template storage-pg- 8 storage-pg:8080");

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

  @ParameterizedTest
  @ValueSource(strings = {CONFIG, POSTGRES_CONFIG})
  void haproxyAcceptsTheConfiguration(String config) {
    Repo.runOk("haproxy", "-c", "-f", config);
  }

  /** Sections (a line at the start of a line opens one) and their lines, without comments and blank lines. */
  static Map<String, List<String>> sections(String config) {
    Map<String, List<String>> sections = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : Repo.read(config).lines().toList()) {
      String stripped = line.strip();
      if (stripped.isEmpty() || stripped.startsWith("#")) {
        continue;
      }
      if (!Character.isWhitespace(line.charAt(0))) {
        current = new ArrayList<>();
        sections.put(stripped, current);
      } else {
        assertTrue(current != null, config + ": a setting before the first section: " + line);
        current.add(stripped);
      }
    }
    return sections;
  }

  @Test
  void thePostgresGatewayDiffersOnlyInItsStorageServers() {
    Map<String, List<String>> sqlite = sections(CONFIG);
    Map<String, List<String>> postgres = sections(POSTGRES_CONFIG);
    assertEquals(List.copyOf(sqlite.keySet()), List.copyOf(postgres.keySet()), "the same sections in the same order");
    sqlite.forEach((section, lines) -> {
      if (!section.equals("backend storage")) {
        assertEquals(lines, postgres.get(section), POSTGRES_CONFIG + ": '" + section + "' differs from " + CONFIG + "'s");
      }
    });
    List<String> sqliteStorage = new ArrayList<>(sqlite.get("backend storage"));
    List<String> postgresStorage = new ArrayList<>(postgres.get("backend storage"));
    assertTrue(sqliteStorage.remove(STORAGE_SERVERS.get(CONFIG)), CONFIG + ": no '" + STORAGE_SERVERS.get(CONFIG) + "'");
    assertTrue(postgresStorage.remove(STORAGE_SERVERS.get(POSTGRES_CONFIG)),
        POSTGRES_CONFIG + ": the storage-pg replicas, found in DNS: '" + STORAGE_SERVERS.get(POSTGRES_CONFIG) + "'");
    postgresStorage.remove("balance leastconn");
    assertEquals(sqliteStorage, postgresStorage, "the storage backends differ in more than their servers");
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
      fail("the gateway's configuration no longer contains '" + from + "': update this test's stand-in wiring");
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

  @ParameterizedTest
  @ValueSource(strings = {CONFIG, POSTGRES_CONFIG})
  void traceReadsGoToStorageAndEverythingElseToIngest(String configFile, @TempDir Path dir) throws Exception {
    ingest = standIn("ingest");
    storage = standIn("storage");
    int apiPort = freePort();
    int statsPort = freePort();
    String config = Files.readString(Repo.file(configFile));
    config = replaceOnce(config, "bind :8080", "bind 127.0.0.1:" + apiPort);
    config = replaceOnce(config, "bind :8404", "bind 127.0.0.1:" + statsPort);
    config = replaceOnce(config, "server-template ingest- 16 ingest:8080",
        "server ingest-1 127.0.0.1:" + ingest.getAddress().getPort());
    config = replaceOnce(config, STORAGE_SERVERS.get(configFile), "server storage 127.0.0.1:" + storage.getAddress().getPort());
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
