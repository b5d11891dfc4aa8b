package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.ConfigException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration comes from the environment in one place; bad values stop start-up naming the variable. */
class PipelineConfigTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    PipelineConfig c = PipelineConfig.fromEnv(Map.of());
    assertEquals(Role.ALL, c.role());
    assertEquals("127.0.0.1", c.httpHost());
    assertEquals(8080, c.httpPort());
    assertEquals(Path.of("./data"), c.dataDir());
    assertEquals(Path.of("./data").resolve("swarm.db"), c.sqlitePath());
    assertNull(c.kafkaBootstrapServers());
    assertTrue(c.embeddedKafka());
    assertEquals("swarm.spans", c.spansTopic());
    assertEquals("swarm.traces", c.tracesTopic());
    assertEquals(6, c.kafkaPartitions());
    assertEquals(16L << 20, c.ingest().maxBodyBytes());
    assertEquals(10_000, c.ingest().maxSpansPerRequest());
    assertEquals(2000, c.aggregator().assembler().idleMs());
    assertEquals(30_000, c.aggregator().assembler().maxWaitMs());
    assertEquals(1_000_000, c.aggregator().assembler().maxBufferedSpans());
    assertEquals(10_000, c.aggregator().assembler().maxSpansPerTrace());
    assertEquals(5000, c.storage().batchMaxSpans());
    assertEquals(200, c.storage().batchMaxMs());
  }

  @Test
  void sqlitePathFollowsDataDirUnlessSet() {
    assertEquals(Path.of("/srv/t/swarm.db"), PipelineConfig.fromEnv(Map.of("DATA_DIR", "/srv/t")).sqlitePath());
    assertEquals(Path.of("/x/y.db"), PipelineConfig.fromEnv(Map.of("DATA_DIR", "/srv/t", "SQLITE_PATH", "/x/y.db")).sqlitePath());
  }

  @Test
  void everyBadValueIsReportedByName() {
    ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "HTTP_PORT", "eighty",
        "ROLE", "collector",
        "KAFKA_PARTITIONS", "0",
        "TRACES_TOPIC", "bad topic!",
        "TRACE_IDLE_MS", "5000",
        "TRACE_MAX_WAIT_MS", "1000")));
    String all = String.join("\n", e.problems());
    assertTrue(all.contains("HTTP_PORT=eighty"), all);
    assertTrue(all.contains("ROLE=collector: must be one of all, ingest, aggregator, storage"), all);
    assertTrue(all.contains("KAFKA_PARTITIONS=0"), all);
    assertTrue(all.contains("TRACES_TOPIC=bad topic!"), all);
    assertTrue(all.contains("TRACE_MAX_WAIT_MS=1000"), all);
    assertEquals(5, e.problems().size(), all);
  }

  @Test
  void aSingleRoleNeedsAnExternalCluster() {
    ConfigException e = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of("ROLE", "ingest")));
    assertTrue(e.getMessage().contains("KAFKA_BOOTSTRAP_SERVERS"), e.getMessage());
    PipelineConfig ok = PipelineConfig.fromEnv(Map.of("ROLE", "storage", "KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
        "KAFKA_REPLICATION_FACTOR", "3"));
    assertEquals(Role.STORAGE, ok.role());
    assertEquals((short) 3, ok.kafkaReplicationFactor());
  }

  @Test
  void postgresStorageIsChosenByStorageBackendAndNeedsAUrl() {
    PipelineConfig sqlite = PipelineConfig.fromEnv(Map.of());
    assertTrue(sqlite.sqlite());
    assertNull(sqlite.postgres());

    PipelineConfig pg = PipelineConfig.fromEnv(Map.of("STORAGE_BACKEND", "postgres",
        "POSTGRES_URL", "postgresql://swarm:s3cret@db.internal:5433/traces?sslmode=require", "POSTGRES_POOL_SIZE", "12"));
    assertFalse(pg.sqlite());
    assertEquals("db.internal:5433/traces", pg.postgres().describe());
    assertEquals("jdbc:postgresql://db.internal:5433/traces?ApplicationName=trace-pipeline&sslmode=require",
        pg.postgres().jdbcUrl());
    assertEquals("swarm", pg.postgres().user());
    assertEquals(12, pg.postgres().poolSize());
    assertFalse(pg.postgres().toString().contains("s3cret"), "no password in what gets logged");

    ConfigException noUrl = assertThrows(ConfigException.class,
        () -> PipelineConfig.fromEnv(Map.of("STORAGE_BACKEND", "postgres")));
    assertTrue(noUrl.getMessage().contains("STORAGE_BACKEND=postgres needs POSTGRES_URL"), noUrl.getMessage());
    ConfigException badUrl = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "STORAGE_BACKEND", "postgres", "POSTGRES_URL", "mysql://root:hunter2@db/traces")));
    assertTrue(badUrl.getMessage().contains("POSTGRES_URL is not a PostgreSQL URI"), badUrl.getMessage());
    assertFalse(badUrl.getMessage().contains("hunter2"), "the password is never echoed: " + badUrl.getMessage());
    ConfigException forgotten = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "POSTGRES_URL", "postgresql://u:p@db/traces")));
    assertTrue(forgotten.getMessage().contains("POSTGRES_URL is set but STORAGE_BACKEND=sqlite"), forgotten.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> PipelineConfig.fromEnv(Map.of("STORAGE_BACKEND", "mysql")));
    assertTrue(unknown.getMessage().contains("STORAGE_BACKEND=mysql: must be one of sqlite, postgres"), unknown.getMessage());
  }

  @Test
  void onPostgresAggregatorsWriteTheDatabaseAndStorageOnlyReads() {
    Map<String, String> pg = Map.of("STORAGE_BACKEND", "postgres", "POSTGRES_URL", "postgresql://u:p@db/traces",
        "KAFKA_BOOTSTRAP_SERVERS", "k:9092");
    PipelineConfig aggregator = PipelineConfig.fromEnv(with(pg, "ROLE", "aggregator"));
    assertTrue(aggregator.directStorage(), "writes what it assembles straight into PostgreSQL");
    assertFalse(aggregator.tracesTopicEnabled(), "no traces topic unless asked for");
    assertTrue(PipelineConfig.fromEnv(with(with(pg, "ROLE", "aggregator"), "TRACES_TOPIC_ENABLED", "true"))
        .tracesTopicEnabled(), "the topic stays available for other consumers");
    PipelineConfig storage = PipelineConfig.fromEnv(with(pg, "ROLE", "storage"));
    assertFalse(storage.directStorage());
    assertFalse(storage.consumesTracesTopic(), "reads only");
    ConfigException e = assertThrows(ConfigException.class,
        () -> PipelineConfig.fromEnv(with(with(pg, "ROLE", "storage"), "TRACES_TOPIC_ENABLED", "true")));
    assertTrue(e.getMessage().contains("ROLE=storage with STORAGE_BACKEND=postgres reads nothing from Kafka"), e.getMessage());

    PipelineConfig sqliteStorage = PipelineConfig.fromEnv(Map.of("ROLE", "storage", "KAFKA_BOOTSTRAP_SERVERS", "k:9092"));
    assertTrue(sqliteStorage.consumesTracesTopic());
    assertFalse(PipelineConfig.fromEnv(Map.of("ROLE", "aggregator", "KAFKA_BOOTSTRAP_SERVERS", "k:9092")).directStorage());
  }

  private static Map<String, String> with(Map<String, String> env, String name, String value) {
    Map<String, String> out = new java.util.HashMap<>(env);
    out.put(name, value);
    return out;
  }

  @Test
  void authIsOffOnlyOnLoopbackUnlessSaidSo() {
    assertFalse(PipelineConfig.fromEnv(Map.of()).auth().enabled(), "127.0.0.1 without a tokens file");
    assertFalse(PipelineConfig.fromEnv(Map.of("HTTP_HOST", "::1")).auth().enabled());
    ConfigException open = assertThrows(ConfigException.class,
        () -> PipelineConfig.fromEnv(Map.of("HTTP_HOST", "0.0.0.0")));
    assertTrue(open.getMessage().contains("AUTH_TOKENS_FILE") && open.getMessage().contains("AUTH=off"),
        open.getMessage());
    assertFalse(PipelineConfig.fromEnv(Map.of("HTTP_HOST", "0.0.0.0", "AUTH", "off")).auth().enabled());
    assertTrue(PipelineConfig.fromEnv(Map.of("HTTP_HOST", "0.0.0.0", "AUTH_TOKENS_FILE", "t.json")).auth().enabled());
    assertTrue(assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of("AUTH", "on")))
        .getMessage().contains("AUTH=on needs AUTH_TOKENS_FILE"));
    assertTrue(assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of("AUTH", "maybe")))
        .getMessage().contains("AUTH=maybe: must be on or off"));
  }

  @Test
  void failedAuthenticationLockoutSettings() {
    var defaults = PipelineConfig.fromEnv(Map.of()).auth().lockout();
    assertEquals(30, defaults.failuresPerMinute());
    assertEquals(60_000, defaults.lockoutMs());
    assertEquals(10_000, defaults.maxAddresses());
    var set = PipelineConfig.fromEnv(Map.of("AUTH_FAILURES_PER_MINUTE", "5", "AUTH_LOCKOUT", "15m",
        "AUTH_LOCKOUT_MAX_ADDRESSES", "500")).auth().lockout();
    assertEquals(5, set.failuresPerMinute());
    assertEquals(900_000, set.lockoutMs());
    assertEquals(500, set.maxAddresses());
    String bad = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "AUTH_FAILURES_PER_MINUTE", "0", "AUTH_LOCKOUT", "60", "AUTH_LOCKOUT_MAX_ADDRESSES", "10"))).getMessage();
    assertTrue(bad.contains("AUTH_FAILURES_PER_MINUTE=0: must be between 1 and 100000"), bad);
    assertTrue(bad.contains("AUTH_LOCKOUT=60: not a duration"), bad);
    assertTrue(bad.contains("AUTH_LOCKOUT_MAX_ADDRESSES=10: must be between 100 and 1000000"), bad);
    assertTrue(assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of("AUTH_LOCKOUT", "2d")))
        .getMessage().contains("AUTH_LOCKOUT=2d: must be between 1s and 1d"));
  }

  @Test
  void trustedProxies() {
    assertTrue(PipelineConfig.fromEnv(Map.of()).auth().trustedProxies().isEmpty(), "no one by default");
    var set = PipelineConfig.fromEnv(Map.of("HTTP_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,fd00::/8"))
        .auth().trustedProxies();
    assertTrue(set.trusts("10.20.30.40") && set.trusts("192.168.1.7") && set.trusts("fd12::1"));
    assertFalse(set.trusts("192.168.1.8"));
    String name = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "HTTP_TRUSTED_PROXIES", "10.0.0.0/8,gateway"))).getMessage();
    assertTrue(name.contains("HTTP_TRUSTED_PROXIES=10.0.0.0/8,gateway: 'gateway' is not an IP address or CIDR range"
        + " (host names are not resolved"), name);
    String prefix = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "HTTP_TRUSTED_PROXIES", "10.0.0.0/33", "AUTH_LOCKOUT", "60"))).getMessage();
    assertTrue(prefix.contains("HTTP_TRUSTED_PROXIES=10.0.0.0/33: '10.0.0.0/33': the prefix length must be a number"
        + " from 0 to 32"), prefix);
    assertTrue(prefix.contains("AUTH_LOCKOUT=60"), "reported with the other problems: " + prefix);
    assertTrue(assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "HTTP_TRUSTED_PROXIES", "::/129"))).getMessage().contains("from 0 to 128"));
  }

  @Test
  void anInvalidTokensFileStopsTheStartNamingTheProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("tokens.json");
    java.nio.file.Files.writeString(file, "{\"tokens\": [{\"sha256\": \"abc\", \"tenant\": \"a\", \"scopes\": [\"write\"]}]}");
    Map<String, String> env = TestPipeline.env(dir.resolve("data"));
    env.put("AUTH_TOKENS_FILE", file.toString());
    PipelineApp app = new PipelineApp(PipelineConfig.fromEnv(env));
    ConfigException e = assertThrows(ConfigException.class, app::start);
    assertTrue(e.getMessage().contains("AUTH_TOKENS_FILE=" + file + ": tokens[0].sha256"), e.getMessage());
    app.stop();
  }

  @Test
  void httpsNeedsBothPemFiles() {
    String unprefixed = assertThrows(ConfigException.class,
        () -> PipelineConfig.fromEnv(Map.of("TLS_CERT_FILE", "c.pem", "TLS_KEY_FILE", "k.pem"))).getMessage();
    assertTrue(unprefixed.contains("TLS_CERT_FILE is not a setting: HTTPS is HTTP_TLS_CERT_FILE"), unprefixed);
    assertTrue(unprefixed.contains("TLS_KEY_FILE is not a setting: HTTPS is HTTP_TLS_KEY_FILE"), unprefixed);
    assertTrue(assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of("HTTP_TLS_CERT_FILE", "c.pem")))
        .getMessage().contains("HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE go together"));
    String missing = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "HTTP_TLS_CERT_FILE", "no-such-cert.pem", "HTTP_TLS_KEY_FILE", "no-such-key.pem"))).getMessage();
    assertTrue(missing.contains("HTTP_TLS_CERT_FILE=no-such-cert.pem: not a readable file"), missing);
    assertFalse(PipelineConfig.fromEnv(Map.of()).httpTls().enabled());
  }

  @Test
  void kafkaClientPropertiesFilesAreCheckedBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path client = java.nio.file.Files.writeString(dir.resolve("client.properties"),
        "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=x required password=\"hunter2\";\n");
    Path producer = java.nio.file.Files.writeString(dir.resolve("producer.properties"), "acks=1\ncompression.type=lz4\n");
    Path consumer = java.nio.file.Files.writeString(dir.resolve("consumer.properties"), "group.id=mine\n");
    String refused = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", "k1:9093",
        "KAFKA_CLIENT_PROPERTIES_FILE", client.toString(),
        "KAFKA_PRODUCER_PROPERTIES_FILE", producer.toString(),
        "KAFKA_CONSUMER_PROPERTIES_FILE", consumer.toString()))).getMessage();
    assertTrue(refused.contains("KAFKA_PRODUCER_PROPERTIES_FILE=" + producer + ": acks must be all"), refused);
    assertTrue(refused.contains("KAFKA_CONSUMER_PROPERTIES_FILE=" + consumer + ": group.id cannot be set here"), refused);
    assertFalse(refused.contains("hunter2"), refused);

    String missing = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", "k1:9093", "KAFKA_CONSUMER_PROPERTIES_FILE", dir.resolve("none").toString())))
        .getMessage();
    assertTrue(missing.contains("KAFKA_CONSUMER_PROPERTIES_FILE=" + dir.resolve("none") + ": not a readable file"),
        missing);

    String embedded = assertThrows(ConfigException.class, () -> PipelineConfig.fromEnv(Map.of(
        "KAFKA_CLIENT_PROPERTIES_FILE", client.toString()))).getMessage();
    assertTrue(embedded.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": security.protocol is not PLAINTEXT"),
        embedded);

    PipelineConfig ok = PipelineConfig.fromEnv(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9093",
        "KAFKA_CLIENT_PROPERTIES_FILE", client.toString()));
    Map<String, String> admin = ok.kafkaClients().withBootstrap("k1:9093").forAdmin(Map.of(), "trace-health");
    assertEquals("SASL_SSL", admin.get("security.protocol"));
    assertFalse(ok.toString().contains("hunter2"), "a config printed whole names keys only");
    assertFalse(PipelineConfig.fromEnv(Map.of()).kafkaClients().any());
  }
}
