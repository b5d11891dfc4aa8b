package dev.swarm.pipeline.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.swarm.pipeline.aggregator.KafkaTraceSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client's properties come from one place: its defaults, then the client file, then the producer or
 * consumer file; bootstrap servers and client id are the pipeline's. Keys the guarantees depend on are refused
 * naming file, key and reason; no value ever reaches a message or {@code toString}.
 */
class KafkaClientPropertiesTest {
  static final String SECRET = "s3cr3t-Pa55word";
  static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"pipeline\""
      + " password=\"" + SECRET + "\";";

  @TempDir Path dir;

  Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void defaultsThenClientFileThenProducerOrConsumerFile() throws IOException {
    Path client = file("client.properties", """
        security.protocol=SASL_SSL
        sasl.mechanism=SCRAM-SHA-512
        sasl.jaas.config=%s
        linger.ms=20
        session.timeout.ms=30000
        request.timeout.ms=7000
        """.formatted(JAAS.replace("\\", "\\\\")));
    Path producer = file("producer.properties", "linger.ms=50\ncompression.type=zstd\nacks=all\n");
    Path consumer = file("consumer.properties", "session.timeout.ms=45000\nmax.poll.records=200\nenable.auto.commit=false\n");
    List<String> problems = new ArrayList<>();
    KafkaClientProperties kafka = KafkaClientProperties.load(client, producer, consumer, false, problems)
        .withBootstrap("k1:9093,k2:9093");
    assertEquals(List.of(), problems);

    Map<String, String> p = kafka.forProducer(Map.of("linger.ms", "5", "compression.type", "none", "batch.size", "1024",
        "acks", "all"), "trace-ingest");
    assertEquals("50", p.get("linger.ms"), "the producer file wins over the client file and the defaults");
    assertEquals("zstd", p.get("compression.type"), "nothing forces a client's compression");
    assertEquals("1024", p.get("batch.size"), "defaults stay where no file sets them");
    assertEquals("SASL_SSL", p.get("security.protocol"));
    assertEquals(JAAS, p.get("sasl.jaas.config"));
    assertEquals("k1:9093,k2:9093", p.get("bootstrap.servers"));
    assertEquals("trace-ingest", p.get("client.id"));
    assertNull(p.get("max.poll.records"), "the consumer file is not a producer's");

    Map<String, String> c = kafka.forConsumer(Map.of(), "trace-aggregator");
    assertEquals("45000", c.get("session.timeout.ms"));
    assertEquals("200", c.get("max.poll.records"));
    assertEquals("20", c.get("linger.ms"), "the client file goes to every client (unused keys are Kafka's to ignore)");
    assertNull(c.get("compression.type"), "the producer file is not a consumer's");
    assertEquals("trace-aggregator", c.get("client.id"));

    Map<String, String> a = kafka.forAdmin(Map.of("request.timeout.ms", "1000", "reconnect.backoff.max.ms", "1000"),
        "trace-health");
    assertEquals("7000", a.get("request.timeout.ms"), "the client file wins over an admin client's defaults");
    assertEquals("1000", a.get("reconnect.backoff.max.ms"));
    assertEquals("SASL_SSL", a.get("security.protocol"));
    assertNull(a.get("max.poll.records"));
    assertNull(a.get("compression.type"));

    String described = kafka.toString();
    assertTrue(described.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client), described);
    assertTrue(described.contains("sasl.jaas.config"), described);
    assertTrue(described.contains("KAFKA_PRODUCER_PROPERTIES_FILE=" + producer), described);
    assertFalse(described.contains(SECRET), described);
    assertFalse(described.contains("SCRAM"), "no value at all: " + described);
  }

  /** The traces producer keeps KafkaTraceSink's lz4 (nothing forces none over it any more), and a file still wins. */
  @Test
  void theTracesProducerKeepsItsCompressionDefaultAndAFileStillWins() throws IOException {
    Map<String, String> plain = KafkaTraceSink.producerConfig(
        KafkaClientProperties.NONE.withBootstrap("k:9092").forProducer(Map.of(), "trace-aggregator-producer"), 1 << 20);
    assertEquals("lz4", plain.get("compression.type"));
    assertEquals("all", plain.get("acks"));
    List<String> problems = new ArrayList<>();
    KafkaClientProperties zstd = KafkaClientProperties.load(null, file("p.properties", "compression.type=zstd\n"), null,
        false, problems).withBootstrap("k:9092");
    assertEquals(List.of(), problems);
    assertEquals("zstd", KafkaTraceSink.producerConfig(zstd.forProducer(Map.of(), "trace-aggregator-producer"), 1 << 20)
        .get("compression.type"));
  }

  @Test
  void withoutFilesEveryClientGetsItsDefaultsBootstrapAndId() {
    KafkaClientProperties kafka = KafkaClientProperties.NONE.withBootstrap("127.0.0.1:19092");
    assertEquals(Map.of("bootstrap.servers", "127.0.0.1:19092", "client.id", "trace-storage", "fetch.min.bytes", "1"),
        kafka.forConsumer(Map.of("fetch.min.bytes", "1"), "trace-storage"));
    assertFalse(KafkaClientProperties.NONE.any());
  }

  @Test
  void keysTheGuaranteesDependOnAreRefusedNamingFileKeyAndReason() throws IOException {
    Path client = file("client.properties", """
        bootstrap.servers=elsewhere:9092
        client.id=mine
        sasl.jaas.config=%s
        """.formatted(JAAS.replace("\\", "\\\\")));
    Path producer = file("producer.properties", """
        acks=1
        enable.idempotence=false
        key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer
        value.serializer=org.apache.kafka.common.serialization.StringSerializer
        transactional.id=tx-%s
        partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner
        partitioner.ignore.keys=true
        max.in.flight.requests.per.connection=6
        retries=0
        max.request.size=1024
        """.formatted(SECRET));
    Path consumer = file("consumer.properties", """
        group.id=%s
        group.instance.id=pod-1
        enable.auto.commit=true
        auto.offset.reset=latest
        key.deserializer=org.apache.kafka.common.serialization.StringDeserializer
        value.deserializer=org.apache.kafka.common.serialization.StringDeserializer
        """.formatted(SECRET));
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(client, producer, consumer, false, problems);
    String all = String.join("\n", problems);
    for (String key : List.of("bootstrap.servers", "client.id")) {
      assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": " + key + " cannot be set here"), all);
    }
    assertTrue(all.contains("bootstrap.servers cannot be set here: the cluster is KAFKA_BOOTSTRAP_SERVERS"), all);
    String p = "KAFKA_PRODUCER_PROPERTIES_FILE=" + producer + ": ";
    assertTrue(all.contains(p + "acks must be all"), all);
    assertTrue(all.contains(p + "enable.idempotence must be true"), all);
    assertTrue(all.contains(p + "key.serializer cannot be set here"), all);
    assertTrue(all.contains(p + "value.serializer cannot be set here"), all);
    assertTrue(all.contains(p + "transactional.id cannot be set here"), all);
    assertTrue(all.contains(p + "partitioner.class cannot be set here"), all);
    assertTrue(all.contains(p + "partitioner.ignore.keys must be false"), all);
    assertTrue(all.contains(p + "max.in.flight.requests.per.connection must be between 1 and 5"), all);
    assertTrue(all.contains(p + "retries must be at least 1"), all);
    assertTrue(all.contains(p + "max.request.size cannot be set here"), all);
    String c = "KAFKA_CONSUMER_PROPERTIES_FILE=" + consumer + ": ";
    assertTrue(all.contains(c + "group.id cannot be set here: the groups are AGGREGATOR_GROUP_ID and STORAGE_GROUP_ID"), all);
    assertTrue(all.contains(c + "group.instance.id cannot be set here"), all);
    assertTrue(all.contains(c + "enable.auto.commit must be false"), all);
    assertTrue(all.contains(c + "auto.offset.reset must be earliest"), all);
    assertTrue(all.contains(c + "key.deserializer cannot be set here"), all);
    assertTrue(all.contains(c + "value.deserializer cannot be set here"), all);
    assertEquals(18, problems.size(), all);
    assertFalse(all.contains(SECRET), "no value in any message");
  }

  @Test
  void theClientFileIsCheckedForProducersAndConsumersAlike() throws IOException {
    Path client = file("client.properties", "acks=0\nenable.auto.commit=true\n");
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(client, null, null, false, problems);
    String all = String.join("\n", problems);
    assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": acks must be all"), all);
    assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": enable.auto.commit must be false"), all);
    assertEquals(2, problems.size(), all);
  }

  @Test
  void theValuesThePipelineUsesAnywayAreAccepted() throws IOException {
    // Managed services' sample files often carry these; they change nothing.
    Path client = file("client.properties", """
        acks=-1
        enable.idempotence=TRUE
        enable.auto.commit=false
        auto.offset.reset=earliest
        max.in.flight.requests.per.connection=5
        retries=2147483647
        partitioner.ignore.keys=false
        isolation.level=read_committed
        """);
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(client, null, null, false, problems);
    assertEquals(List.of(), problems);
  }

  @Test
  void aMissingUnreadableOrMalformedFileIsNamed() throws IOException {
    Path missing = dir.resolve("nope.properties");
    Path malformed = file("bad.properties", "ssl.key.password=\\uZZZZ" + SECRET + "\n");
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(missing, dir, malformed, false, problems);
    String all = String.join("\n", problems);
    assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + missing + ": not a readable file"), all);
    assertTrue(all.contains("KAFKA_PRODUCER_PROPERTIES_FILE=" + dir + ": not a readable file"), all);
    assertTrue(all.contains("KAFKA_CONSUMER_PROPERTIES_FILE=" + malformed + ": not a Java .properties file"), all);
    assertFalse(all.contains(SECRET), all);
  }

  @Test
  void kafkaChecksValuesOfTheKeysItKnowsWithoutQuotingThem() throws IOException {
    Path client = file("client.properties", """
        security.protocol=SASL_SSLL
        linger.ms=soon
        sasl.jaas.config=${file:/run/secrets/kafka.properties:jaas}
        some.plugin.setting=anything
        """);
    Path producer = file("producer.properties", "compression.type=brotli\n");
    Path consumer = file("consumer.properties", "sasl.jaas.config=" + JAAS.replace(";", "") + "\n");
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(client, producer, consumer, false, problems);
    String all = String.join("\n", problems);
    assertTrue(all.contains("KAFKA_CONSUMER_PROPERTIES_FILE=" + consumer + ": sasl.jaas.config is not a valid JAAS"
        + " configuration (JAAS config entry not terminated by semi-colon)"), all);
    assertFalse(all.contains(SECRET), all);
    assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": security.protocol has an invalid value"), all);
    assertTrue(all.contains("KAFKA_CLIENT_PROPERTIES_FILE=" + client + ": linger.ms has an invalid value"), all);
    assertTrue(all.contains("KAFKA_PRODUCER_PROPERTIES_FILE=" + producer + ": compression.type has an invalid value"),
        all);
    assertEquals(4, problems.size(), "config-provider placeholders and unknown keys pass: " + all);
    assertFalse(all.contains("SASL_SSLL") || all.contains("soon") || all.contains("brotli"), all);
  }

  @Test
  void theEmbeddedBrokerTakesPlaintextOnly() throws IOException {
    Path sasl = file("client.properties", "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n");
    List<String> problems = new ArrayList<>();
    KafkaClientProperties.load(sasl, null, null, true, problems);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("security.protocol is not PLAINTEXT")
        && problems.get(0).contains("KAFKA_BOOTSTRAP_SERVERS"), problems.get(0));
    problems.clear();
    KafkaClientProperties.load(file("tuning.properties", "security.protocol=plaintext\nlinger.ms=1\n"), null, null, true,
        problems);
    assertEquals(List.of(), problems);
  }
}
