package dev.swarm.pipeline.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker+controller) inside this JVM: the default when no
 * external cluster is configured, and the broker every integration test talks to.
 *
 * <p>Kafka 3.9.x on purpose: a 4.x broker forces 4.x clients, on which vertx-kafka-client 5.0.7 hangs.
 * The log directory is formatted once and reused, so a restart keeps every acknowledged record.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

  private final Path logDir;
  private final int port;
  private final int controllerPort;
  private final int defaultPartitions;
  private final BrokerRetentionConfig retention;
  private String clientProtocol = "PLAINTEXT";
  private Map<String, String> listenerProperties = Map.of();
  private KafkaRaftServer server;

  /**
   * @param port the client port, or 0 for a free one (chosen once, kept across {@link #stop()}/{@link #start()})
   * @param retention segment size and roll time, per-partition size backstop of every topic without its own
   *     setting
   */
  public EmbeddedKafkaBroker(Path logDir, int port, int defaultPartitions, BrokerRetentionConfig retention) {
    this.retention = retention;
    this.logDir = logDir;
    this.port = port == 0 ? freePort() : port;
    // A fixed client port gets the next one for its controller, so a restart finds the same quorum address.
    this.controllerPort = port == 0 ? freePort() : port + 1;
    this.defaultPartitions = defaultPartitions;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /**
   * Makes the client listener speak {@code securityProtocol} ({@code SASL_PLAINTEXT}, {@code SASL_SSL} or
   * {@code SSL}) instead of PLAINTEXT, with these broker properties added: the listener's JAAS configuration
   * ({@code listener.name.sasl_plaintext.plain.sasl.jaas.config}), {@code sasl.enabled.mechanisms},
   * {@code sasl.mechanism.inter.broker.protocol}, {@code ssl.keystore.*}. The controller listener stays PLAINTEXT.
   * Takes effect at the next {@link #start()}. For tests of clients set up through KAFKA_CLIENT_PROPERTIES_FILE; the
   * pipeline's own embedded broker is always PLAINTEXT.
   */
  public synchronized EmbeddedKafkaBroker clientListener(String securityProtocol, Map<String, String> brokerProperties) {
    this.clientProtocol = securityProtocol;
    this.listenerProperties = Map.copyOf(brokerProperties);
    return this;
  }

  public synchronized EmbeddedKafkaBroker start() {
    if (server != null) {
      return this;
    }
    try {
      Files.createDirectories(logDir);
      Properties props = brokerProperties();
      formatIfNeeded(props);
      KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      s.startup();
      server = s;
      LOG.info("embedded Kafka broker started on {} (data {})", bootstrapServers(), logDir);
      return this;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the embedded Kafka broker in " + logDir + ": " + e, e);
    }
  }

  public synchronized void stop() {
    if (server == null) {
      return;
    }
    KafkaRaftServer s = server;
    server = null;
    s.shutdown();
    s.awaitShutdown();
    LOG.info("embedded Kafka broker on {} stopped", bootstrapServers());
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  @Override
  public void close() {
    stop();
  }

  private Properties brokerProperties() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    String client = clientProtocol;
    p.put("listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", client + "://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", client);
    p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    p.put("num.partitions", Integer.toString(defaultPartitions));
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "6");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    // Small footprint: this broker shares two cores with the pipeline.
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "2");
    p.put("log.cleaner.enable", "true");
    // The log holds little more than what consumers have not committed: BrokerLogTrimmer deletes committed
    // records, and only closed segments go, so segments are closed every minute (they cannot be small in bytes:
    // Kafka refuses a batch larger than a segment). Size and age are backstops (a consumer that far
    // behind has been alerted on for long: ConsumerLagHigh). Deleted segments go within seconds, not minutes.
    p.put("log.retention.hours", "24");
    p.put("log.retention.bytes", Long.toString(retention.retentionBytes()));
    p.put("log.segment.bytes", Long.toString(retention.segmentBytes()));
    p.put("log.roll.ms", Long.toString(retention.segmentMs()));
    p.put("log.retention.check.interval.ms", "5000");
    p.put("log.segment.delete.delay.ms", "1000");
    p.putAll(listenerProperties);
    return p;
  }

  /** Formats the KRaft metadata log once; an already formatted directory is left as it is. */
  private void formatIfNeeded(Properties props) throws IOException {
    if (Files.exists(logDir.resolve("meta.properties"))) {
      return;
    }
    Path configFile = logDir.resolve("embedded-server.properties");
    try (Writer w = Files.newBufferedWriter(configFile)) {
      props.store(w, "written by EmbeddedKafkaBroker for kafka-storage format");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      rc = StorageTool.execute(
          new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString(), "--ignore-formatted"}, ps);
    }
    if (rc != 0) {
      throw new IOException("kafka storage format failed (" + rc + "): " + out.toString(StandardCharsets.UTF_8));
    }
  }

  private static int freePort() {
    return LocalPorts.free();
  }
}
