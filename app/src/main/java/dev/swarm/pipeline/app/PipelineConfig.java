package dev.swarm.pipeline.app;

import dev.swarm.pipeline.aggregator.AggregatorConfig;
import dev.swarm.pipeline.app.auth.AuthConfig;
import dev.swarm.pipeline.config.EnvReader;
import dev.swarm.pipeline.ingest.IngestConfig;
import dev.swarm.pipeline.kafka.BrokerRetentionConfig;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.storage.StorageConfig;
import dev.swarm.pipeline.storage.postgres.PostgresConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every setting of the pipeline, composed here: the process-wide settings are read in this class, and each
 * component's config type reads its own variables ({@code IngestConfig.fromEnv}, {@code StorageConfig.fromEnv}, …)
 * through one {@link EnvReader}, so every bad value of every component is reported together, naming the variable.
 */
public record PipelineConfig(
    Role role,
    String httpHost,
    int httpPort,
    int httpInstances,
    Path dataDir,
    Path sqlitePath,
    String kafkaBootstrapServers,
    int embeddedKafkaPort,
    String spansTopic,
    String tracesTopic,
    boolean tracesTopicEnabled,
    int kafkaPartitions,
    short kafkaReplicationFactor,
    IngestConfig ingest,
    AggregatorConfig aggregator,
    StorageConfig storage,
    PostgresConfig postgres,
    long shutdownTimeoutMs,
    DiskGuardConfig diskGuard,
    BrokerRetentionConfig brokerRetention,
    long brokerBacklogLimitBytes,
    HttpLimits httpLimits,
    AuthConfig auth,
    HttpTls httpTls,
    KafkaClientProperties kafkaClients,
    boolean downstreamLowPriority,
    int downstreamThreads,
    int downstreamYieldAtIngestCpuPercent,
    long downstreamYieldSpansPerSecond) {

  /**
   * Whether assembled traces go to storage in this process, in memory, rather than only through the traces topic:
   * ROLE=all, and an aggregator writing to PostgreSQL.
   */
  public boolean directStorage() {
    return role == Role.ALL || (role == Role.AGGREGATOR && postgres != null);
  }

  /** Whether this process consumes the traces topic into storage: the split deployment's storage role on SQLite. */
  public boolean consumesTracesTopic() {
    return role == Role.STORAGE && postgres == null;
  }

  /** Whether traces are stored in SQLite (STORAGE_BACKEND=sqlite) rather than PostgreSQL. */
  public boolean sqlite() {
    return postgres == null;
  }

  /** The embedded broker runs when no external cluster is configured. */
  public boolean embeddedKafka() {
    return kafkaBootstrapServers == null;
  }

  public static PipelineConfig fromEnv(Map<String, String> env) {
    EnvReader r = new EnvReader(env);
    Role role = r.enumValue("ROLE", Role.class, Role.ALL);
    String host = r.string("HTTP_HOST", "127.0.0.1");
    int port = r.integer("HTTP_PORT", 8080, 1, 65535);
    int instances = r.integer("HTTP_INSTANCES", Math.max(1, Runtime.getRuntime().availableProcessors()), 1, 64);
    Path dataDir = Path.of(r.string("DATA_DIR", "./data"));
    Path sqlite = Path.of(r.string("SQLITE_PATH", dataDir.resolve("swarm.db").toString()));
    String bootstrap = r.raw("KAFKA_BOOTSTRAP_SERVERS");
    int embeddedPort = r.integer("EMBEDDED_KAFKA_PORT", 19092, 0, 65534);
    String spansTopic = r.topic("SPANS_TOPIC", dev.swarm.pipeline.schema.Topics.DEFAULT_SPANS);
    String tracesTopic = r.topic("TRACES_TOPIC", dev.swarm.pipeline.schema.Topics.DEFAULT_TRACES);
    if (spansTopic.equals(tracesTopic)) {
      r.problem("SPANS_TOPIC and TRACES_TOPIC must differ (both are '" + spansTopic + "')");
    }
    StorageKind storageKind = r.enumValue("STORAGE_BACKEND", StorageKind.class, StorageKind.SQLITE);
    PostgresConfig postgres = null;
    if (storageKind == StorageKind.POSTGRES) {
      postgres = PostgresConfig.fromEnv(r);
    } else if (r.raw("POSTGRES_URL") != null) {
      r.problem("POSTGRES_URL is set but STORAGE_BACKEND=sqlite (the default): set STORAGE_BACKEND=postgres to store"
          + " traces in PostgreSQL, or unset POSTGRES_URL");
    }
    boolean pg = storageKind == StorageKind.POSTGRES;
    // ROLE=all stores assembled traces in memory; the topic is then only for other consumers. So does an aggregator
    // on PostgreSQL, which writes the database itself. On SQLite an aggregator alone has nowhere else to send them,
    // and a storage role reads nothing else; on PostgreSQL a storage role only serves reads.
    Boolean topicSetting = r.bool("TRACES_TOPIC_ENABLED");
    boolean tracesTopicEnabled = topicSetting == null ? role != Role.ALL && !pg : topicSetting;
    if (pg && role == Role.STORAGE && Boolean.TRUE.equals(topicSetting)) {
      r.problem("TRACES_TOPIC_ENABLED=true: ROLE=storage with STORAGE_BACKEND=postgres reads nothing from Kafka (the"
          + " aggregators write to PostgreSQL themselves); unset it");
    }
    if (!pg && !tracesTopicEnabled && (role == Role.AGGREGATOR || role == Role.STORAGE)) {
      r.problem("TRACES_TOPIC_ENABLED=false: ROLE=" + role.name().toLowerCase()
          + (role == Role.AGGREGATOR ? " sends assembled traces only to the traces topic" : " reads only the traces topic")
          + "; only ROLE=all can do without it");
    }
    int partitions = r.integer("KAFKA_PARTITIONS", 6, 1, 10_000);
    short replication = (short) r.integer("KAFKA_REPLICATION_FACTOR", 1, 1, 32);
    if (bootstrap == null && role != Role.ALL) {
      r.problem("ROLE=" + role.name().toLowerCase() + " needs KAFKA_BOOTSTRAP_SERVERS: the embedded broker is only for ROLE=all");
    }
    if (bootstrap == null && replication != 1) {
      r.problem("KAFKA_REPLICATION_FACTOR=" + replication + ": the embedded broker has one node, so it must be 1");
    }
    SpanLimits limits = SpanLimits.fromEnv(r);
    IngestConfig ingest = IngestConfig.fromEnv(r, spansTopic, limits, MAX_RECORD_BYTES);
    AggregatorConfig aggregator = AggregatorConfig.fromEnv(r, spansTopic, tracesTopic, limits, MAX_RECORD_BYTES);
    StorageConfig storage = StorageConfig.fromEnv(r, tracesTopic, sqlite, limits);
    long shutdownTimeout = r.longValue("SHUTDOWN_TIMEOUT_MS", 20_000, 0, 600_000);
    DiskGuardConfig diskGuard = DiskGuardConfig.fromEnv(r);
    BrokerRetentionConfig brokerRetention = BrokerRetentionConfig.fromEnv(r, MAX_RECORD_BYTES);
    // Ingest refuses before the embedded broker would delete unconsumed spans (BrokerBacklogGuard).
    long backlogLimit = r.bytes("EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES", brokerRetention.retentionBytes() / 4 * 3, 1L << 20,
        1L << 50);
    if (backlogLimit >= brokerRetention.retentionBytes()) {
      r.problem("EMBEDDED_KAFKA_BACKLOG_LIMIT_BYTES=" + backlogLimit + " must be below EMBEDDED_KAFKA_RETENTION_BYTES="
          + brokerRetention.retentionBytes() + ": past the retention the broker deletes spans nobody has consumed");
    }
    HttpLimits httpLimits = HttpLimits.fromEnv(r);
    AuthConfig auth = AuthConfig.fromEnv(r, host);
    HttpTls tls = HttpTls.fromEnv(r);
    KafkaClientProperties kafkaClients = KafkaClientProperties.fromEnv(r, bootstrap == null);
    // ROLE=all: assembly and storage yield the CPU to ingest under a burst (DownstreamThreads).
    boolean downstreamLow = r.enumValue("DOWNSTREAM_PRIORITY", Priority.class, Priority.LOW) == Priority.LOW
        && role == Role.ALL;
    int downstreamThreads = r.integer("DOWNSTREAM_THREADS", 4, 2, 64);
    // With DOWNSTREAM_PRIORITY=low: while ingest's event loops use this share of the CPU, assembly reads only this
    // many spans per second (DownstreamYield).
    int yieldAtPercent = r.integer("DOWNSTREAM_YIELD_AT_INGEST_CPU_PERCENT", 25, 1, 100);
    long yieldSpansPerSecond = r.longValue("DOWNSTREAM_YIELD_SPANS_PER_SECOND", 2_000, 0, 1_000_000_000);
    r.throwIfProblems();
    return new PipelineConfig(role, host, port, instances, dataDir, sqlite, bootstrap, embeddedPort, spansTopic,
        tracesTopic, tracesTopicEnabled, partitions, replication, ingest, aggregator, storage, postgres, shutdownTimeout, diskGuard, brokerRetention,
        backlogLimit, httpLimits, auth, tls, kafkaClients, downstreamLow, downstreamThreads, yieldAtPercent,
        yieldSpansPerSecond);
  }

  /** STORAGE_BACKEND. */
  enum StorageKind { SQLITE, POSTGRES }

  /** DOWNSTREAM_PRIORITY. */
  enum Priority { LOW, NORMAL }

  /** Largest Kafka record the pipeline writes; topics are created to allow it. */
  public static final int MAX_RECORD_BYTES = 64 << 20;
}
