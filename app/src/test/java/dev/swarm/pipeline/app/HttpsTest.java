package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.ConfigException;
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
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE: the port speaks HTTPS only, with certificates made by openssl for
 * this test; a client that trusts them reads and writes, a plain-HTTP client gets nothing. A replaced pair is served
 * without a restart, by every HTTP instance; a broken one is refused and the previous certificate stays.
 */
class HttpsTest {
  static Path dir;
  static PipelineApp app;
  static HttpClient client;
  static String base;
  static TrustManagerFactory trusted;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("https-test");
    for (String name : new String[] {"a", "b", "c"}) {
      // Same names, own keys: a client trusting a and b can tell which one the server presents.
      Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
          "-subj", "/CN=localhost/O=pipeline-" + name, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
          "-keyout", dir.resolve(name + ".key.pem").toString(), "-out", dir.resolve(name + ".cert.pem").toString())
          .redirectErrorStream(true).start();
      String out = new String(openssl.getInputStream().readAllBytes());
      assertEquals(0, openssl.waitFor(), "openssl: " + out);
    }
    Files.copy(dir.resolve("a.cert.pem"), dir.resolve("cert.pem"));
    Files.copy(dir.resolve("a.key.pem"), dir.resolve("key.pem"));
    // Two instances, each with its own server: both must switch.
    app = TestPipeline.start(dir.resolve("data"), Map.of("HTTP_TLS_CERT_FILE", dir.resolve("cert.pem").toString(),
        "HTTP_TLS_KEY_FILE", dir.resolve("key.pem").toString(), "HTTP_INSTANCES", "2",
        "AUTH_RELOAD_INTERVAL_MS", "200"));
    base = "https://127.0.0.1:" + app.config().httpPort();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("a", certificate("a"));
    trust.setCertificateEntry("b", certificate("b"));
    trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trusted.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, trusted.getTrustManagers(), null);
    client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static X509Certificate certificate(String name) throws Exception {
    try (InputStream in = Files.newInputStream(dir.resolve(name + ".cert.pem"))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
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

  @Test
  void aReplacedCertificateIsServedWithoutARestartAndABrokenOneKeepsThePrevious() throws Exception {
    X509Certificate a = certificate("a");
    X509Certificate b = certificate("b");
    assertEquals(a, served(), "started with a");
    double reloads = metric("trace_tls_reloads_total");
    double failures = metric("trace_tls_reload_failures_total");

    install("b.cert.pem", "b.key.pem");
    Await.until("new connections get b", Duration.ofSeconds(20), HttpsTest::served, b::equals);
    assertServedByEveryInstance(b);
    assertEquals(reloads + 1, metric("trace_tls_reloads_total"));

    // b's certificate with c's key: parses, but the key is not the certificate's.
    install("b.cert.pem", "c.key.pem");
    Await.until("the mismatched pair refused", Duration.ofSeconds(20),
        () -> metric("trace_tls_reload_failures_total"), n -> n == failures + 1);
    assertServedByEveryInstance(b);
    // Not PEM at all.
    Files.writeString(dir.resolve("cert.pem"), "not a certificate\n");
    Await.until("the unparsable pair refused", Duration.ofSeconds(20),
        () -> metric("trace_tls_reload_failures_total"), n -> n == failures + 2);
    assertServedByEveryInstance(b);
    assertEquals(reloads + 1, metric("trace_tls_reloads_total"), "nothing was put in use");

    install("a.cert.pem", "a.key.pem");
    Await.until("a again", Duration.ofSeconds(20), HttpsTest::served, a::equals);
    assertServedByEveryInstance(a);
    assertEquals(reloads + 2, metric("trace_tls_reloads_total"));
    assertEquals(failures + 2, metric("trace_tls_reload_failures_total"), "each broken pair counted once");
  }

  @Test
  void aKeyThatIsNotTheCertificatesStopsTheStart() throws Exception {
    Map<String, String> env = TestPipeline.env(dir.resolve("mismatch"));
    env.put("HTTP_TLS_CERT_FILE", dir.resolve("a.cert.pem").toString());
    env.put("HTTP_TLS_KEY_FILE", dir.resolve("c.key.pem").toString());
    PipelineApp mismatched = new PipelineApp(PipelineConfig.fromEnv(env));
    ConfigException e = assertThrows(ConfigException.class, mismatched::start);
    assertTrue(e.getMessage().contains("HTTP_TLS_CERT_FILE=" + dir.resolve("a.cert.pem") + " and HTTP_TLS_KEY_FILE="
        + dir.resolve("c.key.pem") + ": the private key does not belong to the certificate"), e.getMessage());
    mismatched.stop();
  }

  /** Replaces the served files (the key first, as a renewal script might; the check waits for both). */
  static void install(String cert, String key) throws IOException {
    Files.copy(dir.resolve(key), dir.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve(cert), dir.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** Connections are spread over the instances: several new ones in a row all get the certificate. */
  static void assertServedByEveryInstance(X509Certificate expected) {
    for (int i = 0; i < 6; i++) {
      assertEquals(expected, served(), "new connection " + i);
    }
  }

  /** The certificate the server presents to a new TLS connection (a new context each time: no resumed session). */
  static X509Certificate served() {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, trusted.getTrustManagers(), null);
      try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", app.config().httpPort())) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
      }
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("TLS handshake", e);
    }
  }

  static double metric(String name) {
    try {
      String text = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return text.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
