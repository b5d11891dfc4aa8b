package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE: the port speaks HTTPS only, with a certificate made by openssl for
 * this test; a client that trusts it reads and writes, a plain-HTTP client gets nothing.
 */
class HttpsTest {
  static Path dir;
  static PipelineApp app;
  static HttpClient client;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("https-test");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
        .redirectErrorStream(true).start();
    String out = new String(openssl.getInputStream().readAllBytes());
    assertEquals(0, openssl.waitFor(), "openssl: " + out);
    app = TestPipeline.start(dir.resolve("data"), Map.of("HTTP_TLS_CERT_FILE", dir.resolve("cert.pem").toString(),
        "HTTP_TLS_KEY_FILE", dir.resolve("key.pem").toString()));
    base = "https://127.0.0.1:" + app.config().httpPort();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
      trust.setCertificateEntry("pipeline", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.stop();
    }
  }

  @Test
  void spansGoInAndComeBackOverHttpsOnly() throws Exception {
    assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    String trace = TestSpans.newTraceId();
    HttpResponse<String> posted = client.send(HttpRequest.newBuilder(URI.create(base + "/api/traces"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(TestSpans.span(trace, "r", null).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, posted.statusCode(), posted.body());
    Await.until("the trace read back over HTTPS", Duration.ofSeconds(30), () -> {
      try {
        return client.send(HttpRequest.newBuilder(URI.create(base + "/api/traces/" + trace)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode();
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, s -> s == 200);
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.config().httpPort() + "/health/ready")).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString()), "plain HTTP gets no answer");
    assertTrue(app.config().httpTls().enabled());
  }
}
