package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.EnvReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;

/**
 * The properties of every Kafka client the process makes, built in this one place: the client's own defaults, then
 * {@code KAFKA_CLIENT_PROPERTIES_FILE} (every client: producers, consumers, admin clients; where
 * {@code security.protocol}, {@code sasl.*} and {@code ssl.*} go), then {@code KAFKA_PRODUCER_PROPERTIES_FILE} or
 * {@code KAFKA_CONSUMER_PROPERTIES_FILE} (producers or consumers only). {@code bootstrap.servers} and
 * {@code client.id} are always the pipeline's.
 *
 * <p>The files may not change what the pipeline's guarantees depend on ({@code acks=all}, idempotence, the
 * serializers, keys deciding the partition, the consumer group and its manual commits, reading from the earliest
 * offset): such a key is refused when the files are read, naming the file, the key and why. Values are never
 * logged or put in a message (they hold passwords); {@link #toString()} names files and keys only.
 */
public final class KafkaClientProperties {
  public static final String CLIENT_FILE = "KAFKA_CLIENT_PROPERTIES_FILE";
  public static final String PRODUCER_FILE = "KAFKA_PRODUCER_PROPERTIES_FILE";
  public static final String CONSUMER_FILE = "KAFKA_CONSUMER_PROPERTIES_FILE";

  /** No files: every client gets its defaults, the bootstrap servers and its client id. */
  public static final KafkaClientProperties NONE = new KafkaClientProperties(null, Map.of(), null, Map.of(), null, Map.of(), null);

  private enum Kind {
    ALL, PRODUCER, CONSUMER
  }

  private final Path clientFile;
  private final Map<String, String> client;
  private final Path producerFile;
  private final Map<String, String> producer;
  private final Path consumerFile;
  private final Map<String, String> consumer;
  private final String bootstrap;

  private KafkaClientProperties(Path clientFile, Map<String, String> client, Path producerFile,
      Map<String, String> producer, Path consumerFile, Map<String, String> consumer, String bootstrap) {
    this.clientFile = clientFile;
    this.client = Collections.unmodifiableMap(new TreeMap<>(client));
    this.producerFile = producerFile;
    this.producer = Collections.unmodifiableMap(new TreeMap<>(producer));
    this.consumerFile = consumerFile;
    this.consumer = Collections.unmodifiableMap(new TreeMap<>(consumer));
    this.bootstrap = bootstrap;
  }

  /**
   * Reads and checks the files (each may be null). Every problem is added to {@code problems}, naming the variable,
   * the file and the key, never a value; the files that could not be read count as empty.
   *
   * @param embeddedBroker the embedded broker listens PLAINTEXT only, so no other security.protocol is accepted
   */
  public static KafkaClientProperties load(Path clientFile, Path producerFile, Path consumerFile, boolean embeddedBroker,
      List<String> problems) {
    Map<String, String> client = read(CLIENT_FILE, clientFile, Kind.ALL, problems);
    Map<String, String> producer = read(PRODUCER_FILE, producerFile, Kind.PRODUCER, problems);
    Map<String, String> consumer = read(CONSUMER_FILE, consumerFile, Kind.CONSUMER, problems);
    if (embeddedBroker) {
      embeddedIsPlaintext(CLIENT_FILE, clientFile, client, problems);
      embeddedIsPlaintext(PRODUCER_FILE, producerFile, producer, problems);
      embeddedIsPlaintext(CONSUMER_FILE, consumerFile, consumer, problems);
    }
    return new KafkaClientProperties(clientFile, client, producerFile, producer, consumerFile, consumer, null);
  }

  private static void embeddedIsPlaintext(String variable, Path file, Map<String, String> props, List<String> problems) {
    String protocol = props.get("security.protocol");
    if (protocol != null && !protocol.trim().equalsIgnoreCase("PLAINTEXT")) {
      problems.add(variable + "=" + file + ": security.protocol is not PLAINTEXT, but without KAFKA_BOOTSTRAP_SERVERS"
          + " the clients talk to the embedded broker, which listens PLAINTEXT on 127.0.0.1 only; set"
          + " KAFKA_BOOTSTRAP_SERVERS to the cluster these settings are for");
    }
  }

  /** The same properties for clients of this cluster (bootstrap.servers of every map built from the result). */
  public KafkaClientProperties withBootstrap(String bootstrapServers) {
    return new KafkaClientProperties(clientFile, client, producerFile, producer, consumerFile, consumer,
        bootstrapServers);
  }

  /** A producer's properties: {@code defaults} &lt; client file &lt; producer file; bootstrap and client id ours. */
  public Map<String, String> forProducer(Map<String, String> defaults, String clientId) {
    return build(defaults, producer, clientId);
  }

  /** A consumer's properties: {@code defaults} &lt; client file &lt; consumer file; bootstrap and client id ours. */
  public Map<String, String> forConsumer(Map<String, String> defaults, String clientId) {
    return build(defaults, consumer, clientId);
  }

  /** An admin client's properties: {@code defaults} &lt; client file; bootstrap and client id ours. */
  public Map<String, String> forAdmin(Map<String, String> defaults, String clientId) {
    return build(defaults, Map.of(), clientId);
  }

  private Map<String, String> build(Map<String, String> defaults, Map<String, String> specific, String clientId) {
    if (bootstrap == null) {
      throw new IllegalStateException("no bootstrap servers yet: use withBootstrap");
    }
    Map<String, String> p = new HashMap<>(defaults);
    p.putAll(client);
    p.putAll(specific);
    // Never from a file (refused when read), so nothing here overrides what a user set.
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    return p;
  }

  /** Whether any file is set. */
  public boolean any() {
    return clientFile != null || producerFile != null || consumerFile != null;
  }

  /** The files and the keys each applies, for the log: never a value. */
  @Override
  public String toString() {
    if (!any()) {
      return "no Kafka client properties files (PLAINTEXT, the pipeline's defaults)";
    }
    List<String> parts = new ArrayList<>();
    add(parts, CLIENT_FILE, clientFile, client, "every client");
    add(parts, PRODUCER_FILE, producerFile, producer, "producers");
    add(parts, CONSUMER_FILE, consumerFile, consumer, "consumers");
    return String.join("; ", parts);
  }

  private static void add(List<String> parts, String variable, Path file, Map<String, String> props, String scope) {
    if (file != null) {
      parts.add(variable + "=" + file + " (" + scope + "): " + (props.isEmpty() ? "no keys" : "keys " + props.keySet()));
    }
  }

  // --- reading and checking --------------------------------------------------------------------------------------

  private static Map<String, String> read(String variable, Path file, Kind kind, List<String> problems) {
    if (file == null) {
      return Map.of();
    }
    String at = variable + "=" + file;
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      problems.add(at + ": not a readable file");
      return Map.of();
    }
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(r);
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException: a malformed \\uXXXX escape; MalformedInputException: not UTF-8. Neither quotes a value.
      problems.add(at + ": not a Java .properties file (" + e.getClass().getSimpleName() + ")");
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : props.stringPropertyNames()) {
      out.put(key, props.getProperty(key));
    }
    for (String key : new TreeSet<>(out.keySet())) {
      String why = refusal(key, out.get(key), kind);
      if (why == null) {
        why = invalidValue(key, out.get(key), kind);
      }
      if (why != null) {
        problems.add(at + ": " + key + " " + why);
      }
    }
    return out;
  }

  /** Why the pipeline cannot take this key from a file of this kind, or null when it can. Never quotes the value. */
  private static String refusal(String key, String value, Kind kind) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    switch (key) {
      case "bootstrap.servers":
        return "cannot be set here: the cluster is KAFKA_BOOTSTRAP_SERVERS";
      case "client.id":
        return "cannot be set here: every client of the pipeline has its own (trace-ingest, trace-aggregator, …),"
            + " which the broker's logs, quotas and metrics name";
      default:
        break;
    }
    if (kind != Kind.CONSUMER) {
      String why = producerRefusal(key, v);
      if (why != null) {
        return why;
      }
    }
    if (kind != Kind.PRODUCER) {
      return consumerRefusal(key, v);
    }
    return null;
  }

  private static String producerRefusal(String key, String v) {
    return switch (key) {
      case "acks" -> v.equals("all") || v.equals("-1") ? null
          : "must be all: ingest answers 2xx only once every in-sync replica has the spans";
      case "enable.idempotence" -> v.equals("true") ? null
          : "must be true: a retried send must not write a span twice";
      case "key.serializer", "value.serializer" ->
          "cannot be set here: the pipeline writes its own record format (trace id key, JSON value)";
      case "transactional.id" -> "cannot be set here: the pipeline's producers are idempotent, not transactional";
      case "partitioner.class" ->
          "cannot be set here: every span of a trace must land in one partition (keyed by trace id) to be assembled";
      case "partitioner.ignore.keys" -> v.equals("false") ? null
          : "must be false: every span of a trace must land in one partition (keyed by trace id) to be assembled";
      case "max.in.flight.requests.per.connection" -> intAtLeast(v, 1) && intAtMost(v, 5) ? null
          : "must be between 1 and 5: the idempotent producer keeps order only up to 5";
      case "retries" -> intAtLeast(v, 1) ? null : "must be at least 1: the idempotent producer needs retries";
      case "max.request.size" -> "cannot be set here: the pipeline sizes it to its largest record (64 MiB for"
          + " ingest, AGGREGATOR_MAX_TRACE_BYTES + 64 KiB for the traces topic)";
      default -> null;
    };
  }

  private static String consumerRefusal(String key, String v) {
    return switch (key) {
      case "group.id" -> "cannot be set here: the groups are AGGREGATOR_GROUP_ID and STORAGE_GROUP_ID";
      case "group.instance.id" -> "cannot be set here: one file serves every replica, and a static member id"
          + " shared by two consumers fences one of them";
      case "enable.auto.commit" -> v.equals("false") ? null
          : "must be false: offsets are committed only once what was read is durable downstream";
      case "auto.offset.reset" -> v.equals("earliest") ? null
          : "must be earliest: a new group must read every span ingest acknowledged before it first committed";
      case "key.deserializer", "value.deserializer" ->
          "cannot be set here: the pipeline reads its own record format (bytes)";
      default -> null;
    };
  }

  private static boolean intAtLeast(String v, int min) {
    try {
      return Integer.parseInt(v) >= min;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean intAtMost(String v, int max) {
    try {
      return Integer.parseInt(v) <= max;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * Kafka's own check of a value against the definition of every client kind the file applies to that knows the
   * key, so a typo stops the start here rather than in a client's constructor. Unknown keys pass (plugins read
   * their own); so do values a config provider fills in ({@code ${provider:…}}). The message leaves the value out.
   */
  private static String invalidValue(String key, String value, Kind kind) {
    if (value.contains("${")) {
      return null;
    }
    if (key.equals("sasl.jaas.config")) {
      try {
        JaasContext.loadClientContext(Map.of(key, new Password(value)));
      } catch (RuntimeException e) {
        // Kafka quotes a misplaced token ('…'), which could be part of a password: left out.
        return "is not a valid JAAS configuration (" + String.valueOf(e.getMessage()).replaceAll("'[^']*'", "'…'") + ")";
      }
    }
    List<ConfigDef> defs = switch (kind) {
      case ALL -> List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef());
      case PRODUCER -> List.of(ProducerConfig.configDef());
      case CONSUMER -> List.of(ConsumerConfig.configDef());
    };
    for (ConfigDef def : defs) {
      ConfigDef.ConfigKey k = def.configKeys().get(key);
      if (k == null) {
        continue;
      }
      try {
        Object parsed = ConfigDef.parseType(key, value, k.type);
        if (k.validator != null) {
          k.validator.ensureValid(key, parsed);
        }
      } catch (RuntimeException e) {
        String msg = String.valueOf(e.getMessage());
        if (!value.isEmpty()) {
          msg = msg.replace(value, "…");
        }
        return "has an invalid value (" + msg + ")";
      }
    }
    return null;
  }


  /**
   * KAFKA_CLIENT_PROPERTIES_FILE (every Kafka client), KAFKA_PRODUCER_PROPERTIES_FILE and
   * KAFKA_CONSUMER_PROPERTIES_FILE (on top, producers or consumers only): read and checked now, so a missing file or
   * a refused key stops the start naming the file and the key.
   */
  public static KafkaClientProperties fromEnv(EnvReader r, boolean embeddedBroker) {
    java.util.List<String> problems = new java.util.ArrayList<>();
    KafkaClientProperties p = load(r.path(CLIENT_FILE),
        r.path(PRODUCER_FILE), r.path(CONSUMER_FILE), embeddedBroker,
        problems);
    problems.forEach(r::problem);
    return p;
  }
}
