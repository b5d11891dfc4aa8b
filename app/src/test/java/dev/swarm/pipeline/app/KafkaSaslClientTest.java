package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.kafka.EmbeddedKafkaBroker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * KAFKA_CLIENT_PROPERTIES_FILE against a real broker that demands authentication: a KRaft broker in this JVM whose
 * client listener is SASL_PLAINTEXT with the PLAIN mechanism (the controller listener stays PLAINTEXT). Every Kafka
 * client of the pipeline (topic set-up, health, lag monitor, producers, consumers) must carry the file's credentials
 * for spans to get in and come back out; with a password the broker no longer accepts, readiness fails and ingest
 * refuses until the broker takes it again; the password is never in the process's log. Also SASL_SSL with PEM certificates made by openssl.
 */
class KafkaSaslClientTest {
  static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
  static final String BROKER_PASSWORD = "broker-" + UUID.randomUUID();

  @TempDir Path dir;
  EmbeddedKafkaBroker broker;
  final List<PipelineApp> apps = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (int i = apps.size() - 1; i >= 0; i--) {
      apps.get(i).stop();
    }
    if (broker != null) {
      broker.stop();
    }
  }

  /** The broker's SASL_PLAINTEXT listener, accepting user {@code pipeline} with this password. */
  static Map<String, String> saslPlainListener(String pipelinePassword) {
    return Map.of(
        "sasl.enabled.mechanisms", "PLAIN",
        "sasl.mechanism.inter.broker.protocol", "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN + " required username=\"broker\" password=\""
            + BROKER_PASSWORD + "\" user_broker=\"" + BROKER_PASSWORD + "\" user_pipeline=\"" + pipelinePassword + "\";");
  }

  EmbeddedKafkaBroker startSaslBroker(String pipelinePassword) {
    broker = TestPipeline.broker(dir.resolve("kafka"))
        .clientListener("SASL_PLAINTEXT", saslPlainListener(pipelinePassword))
        .start();
    return broker;
  }

  Path clientFile(String name, String password) throws IOException {
    return Files.writeString(dir.resolve(name), String.join("\n",
        "# the pipeline's credentials: every client of the process uses them",
        "security.protocol=SASL_PLAINTEXT",
        "sasl.mechanism=PLAIN",
        "sasl.jaas.config=" + PLAIN + " required username=\"pipeline\" password=\"" + password + "\";",
        ""));
  }

  @Test
  @Timeout(240)
  void aPipelineWithTheFileServesSpansAndAPasswordTheBrokerNoLongerTakesFailsReadinessUnlogged() throws Exception {
    String password = "pw-" + UUID.randomUUID();
    startSaslBroker(password);
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), TestPipeline.freePort());
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_CLIENT_PROPERTIES_FILE", clientFile("client.properties", password).toString());
    env.put("TRACES_TOPIC_ENABLED", "true"); // the traces producer too
    env.put("LOG_LEVEL", "DEBUG");
    env.put("MIN_FREE_DISK_BYTES", "0");
    Path log = dir.resolve("pipeline.log");
    String next = "pw-" + UUID.randomUUID();
    try (ChildPipeline child = new ChildPipeline(env, log).start()) {
      Http http = new Http(Integer.parseInt(env.get("HTTP_PORT")));
      child.awaitReady(http);
      String trace = TestSpans.newTraceId();
      JsonArray body = new JsonArray().add(TestSpans.span(trace, "root", null)).add(TestSpans.span(trace, "c", "root"));
      assertEquals(202, http.postJson("/api/traces", body.encode()).statusCode());
      Await.until("the trace read back", Duration.ofSeconds(60), () -> http.get("/api/traces/" + trace),
          r -> r.statusCode() == 200);
      JsonObject stored = new JsonObject(http.get("/api/traces/" + trace).body());
      assertEquals("complete", stored.getString("verdict"), stored.encode());
      assertEquals(2, stored.getInteger("span_count"), stored.encode());

      // The broker now wants another password: the process's clients carry one it refuses.
      broker.stop();
      broker.clientListener("SASL_PLAINTEXT", saslPlainListener(next)).start();
      // While the broker restarts the check may first fail on a timeout; then on the refused authentication.
      Await.until("readiness to fail on the refused authentication", Duration.ofSeconds(60),
          () -> http.get("/health/ready"), r -> r.statusCode() == 503 && r.body().contains("\"kafka\"")
              && r.body().contains("Kafka refused the credentials: ") && r.body().contains("SaslAuthenticationException"));
      HttpResponse<String> refused = http.postJson("/api/traces",
          TestSpans.span(TestSpans.newTraceId(), "r", null).encode());
      assertEquals(503, refused.statusCode(), refused.body());
      assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");

      // The broker takes the file's password again: the same process recovers without a restart.
      broker.stop();
      broker.clientListener("SASL_PLAINTEXT", saslPlainListener(password)).start();
      Await.until("readiness back", Duration.ofSeconds(90), () -> http.get("/health/ready").statusCode(), s -> s == 200);
      String after = TestSpans.newTraceId();
      Await.until("a POST accepted again", Duration.ofSeconds(30),
          () -> http.postJson("/api/traces", TestSpans.span(after, "r", null).encode()).statusCode(), s -> s == 202);
      Await.until("the later trace read back", Duration.ofSeconds(60), () -> http.get("/api/traces/" + after),
          r -> r.statusCode() == 200);
      child.terminate(); // SIGTERM: the log is complete once the process has stopped
    }
    String text = Files.readString(log);
    assertTrue(text.contains("Kafka clients: KAFKA_CLIENT_PROPERTIES_FILE="), "the files and keys applied are logged");
    assertTrue(text.contains("sasl.jaas.config"), "its keys are named");
    assertFalse(text.contains(password), "the process log holds the password");
    assertFalse(text.contains(next), "the process log holds the broker's new password");
    assertFalse(text.contains(BROKER_PASSWORD), "the process log holds the broker's password");
  }

  @Test
  @Timeout(120)
  void aWrongPasswordAtStartStopsTheStartNamingTheCauseNotThePassword() throws Exception {
    startSaslBroker("pw-" + UUID.randomUUID());
    String wrong = "pw-" + UUID.randomUUID();
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), TestPipeline.freePort());
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_CLIENT_PROPERTIES_FILE", clientFile("client.properties", wrong).toString());
    Path log = dir.resolve("pipeline.log");
    try (ChildPipeline child = new ChildPipeline(env, log).start()) {
      Await.until("the child to give up", Duration.ofSeconds(90), child::alive, alive -> !alive);
      assertEquals(1, child.terminate(), "start-up failed");
    }
    String text = Files.readString(log);
    assertTrue(text.contains("refused the credentials of KAFKA_CLIENT_PROPERTIES_FILE"), text);
    assertFalse(text.contains(wrong), "the process log holds the password");
  }

  @Test
  @Timeout(120)
  void aRefusedKeyStopsTheStartWithExitCode2NamingFileAndKey() throws Exception {
    Path producer = Files.writeString(dir.resolve("producer.properties"), "acks=1\n");
    Map<String, String> env = ChildPipeline.env(dir.resolve("data"), TestPipeline.freePort());
    env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");
    env.put("KAFKA_PRODUCER_PROPERTIES_FILE", producer.toString());
    env.put("KAFKA_CONSUMER_PROPERTIES_FILE", dir.resolve("missing.properties").toString());
    Path log = dir.resolve("pipeline.log");
    try (ChildPipeline child = new ChildPipeline(env, log).start()) {
      Await.until("the child to exit", Duration.ofSeconds(60), child::alive, alive -> !alive);
      assertEquals(2, child.terminate());
    }
    String text = Files.readString(log);
    assertTrue(text.contains("KAFKA_PRODUCER_PROPERTIES_FILE=" + producer + ": acks must be all"), text);
    assertTrue(text.contains("KAFKA_CONSUMER_PROPERTIES_FILE=" + dir.resolve("missing.properties")
        + ": not a readable file"), text);
  }

  /**
   * The split deployment over SASL, so the storage role's consumer of the traces topic authenticates too, with
   * producer and consumer files on top of the client file.
   */
  @Test
  @Timeout(180)
  void splitRolesAuthenticateEveryClient() throws Exception {
    String password = "pw-" + UUID.randomUUID();
    startSaslBroker(password);
    Path client = clientFile("client.properties", password);
    Path producer = Files.writeString(dir.resolve("producer.properties"), "compression.type=zstd\nlinger.ms=10\n");
    Path consumer = Files.writeString(dir.resolve("consumer.properties"), "max.poll.records=100\n");
    PipelineApp storage = role("storage", client, producer, consumer);
    role("aggregator", client, producer, consumer);
    PipelineApp ingest = role("ingest", client, producer, consumer);
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray().add(TestSpans.span(trace, "root", null)).add(TestSpans.span(trace, "c", "root"));
    assertEquals(202, new Http(ingest.config().httpPort()).postJson("/api/traces", body.encode()).statusCode());
    Http reads = new Http(storage.config().httpPort());
    Await.until("the trace in the storage role", Duration.ofSeconds(60),
        () -> reads.get("/api/traces/" + trace).statusCode(), code -> code == 200);
    assertEquals("complete", new JsonObject(reads.get("/api/traces/" + trace).body()).getString("verdict"));
    Await.until("the lag monitor to read the groups", Duration.ofSeconds(30),
        () -> reads.get("/metrics").body(), m -> m.contains("trace_consumer_lag_records{group=\"trace-storage\""));
  }

  /**
   * SASL_SSL, as most managed clusters want it: the broker's certificate made by openssl (PEM, its key encrypted),
   * trusted by the pipeline through {@code ssl.truststore.type=PEM} in the client file; spans in and out.
   */
  @Test
  @Timeout(180)
  void saslSslWithPemCertificates() throws Exception {
    Path key = dir.resolve("broker.key.pem");
    Path cert = dir.resolve("broker.cert.pem");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.toString(), "-out", cert.toString());
    String keyPassword = "key-" + UUID.randomUUID();
    Path encrypted = dir.resolve("broker.key.enc.pem");
    openssl("pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-in", key.toString(), "-out", encrypted.toString(),
        "-passout", "pass:" + keyPassword);
    Path keystore = Files.writeString(dir.resolve("broker.pem"), Files.readString(encrypted) + Files.readString(cert));
    String password = "pw-" + UUID.randomUUID();
    Map<String, String> listener = new HashMap<>();
    listener.put("sasl.enabled.mechanisms", "PLAIN");
    listener.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    listener.put("listener.name.sasl_ssl.plain.sasl.jaas.config", PLAIN + " required username=\"broker\" password=\""
        + BROKER_PASSWORD + "\" user_broker=\"" + BROKER_PASSWORD + "\" user_pipeline=\"" + password + "\";");
    listener.put("ssl.keystore.type", "PEM");
    listener.put("ssl.keystore.location", keystore.toString());
    listener.put("ssl.key.password", keyPassword);
    listener.put("ssl.truststore.type", "PEM");
    listener.put("ssl.truststore.location", cert.toString());
    broker = TestPipeline.broker(dir.resolve("kafka"))
        .clientListener("SASL_SSL", listener)
        .start();
    Path client = Files.writeString(dir.resolve("client.properties"), String.join("\n",
        "security.protocol=SASL_SSL",
        "sasl.mechanism=PLAIN",
        "sasl.jaas.config=" + PLAIN + " required username=\"pipeline\" password=\"" + password + "\";",
        "ssl.truststore.type=PEM",
        "ssl.truststore.location=" + cert,
        ""));
    Map<String, String> env = new HashMap<>(TestPipeline.env(dir.resolve("data")));
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_CLIENT_PROPERTIES_FILE", client.toString());
    env.put("MIN_FREE_DISK_BYTES", "0");
    PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    apps.add(app);
    Http http = new Http(app.config().httpPort());
    String trace = TestSpans.newTraceId();
    JsonArray body = new JsonArray().add(TestSpans.span(trace, "root", null)).add(TestSpans.span(trace, "c", "root"));
    assertEquals(202, http.postJson("/api/traces", body.encode()).statusCode());
    Await.until("the trace read back", Duration.ofSeconds(60), () -> http.get("/api/traces/" + trace).statusCode(),
        code -> code == 200);
    assertEquals(200, http.get("/health/ready").statusCode());
  }

  static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "openssl: " + out);
  }

  private PipelineApp role(String role, Path client, Path producer, Path consumer) throws Exception {
    Map<String, String> env = new HashMap<>(TestPipeline.env(Files.createDirectories(dir.resolve(role))));
    env.put("ROLE", role);
    env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("KAFKA_CLIENT_PROPERTIES_FILE", client.toString());
    env.put("KAFKA_PRODUCER_PROPERTIES_FILE", producer.toString());
    env.put("KAFKA_CONSUMER_PROPERTIES_FILE", consumer.toString());
    env.put("MIN_FREE_DISK_BYTES", "0");
    PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env)).start();
    apps.add(app);
    return app;
  }
}
