package dev.swarm.pipeline.app;

import dev.swarm.pipeline.aggregator.AggregatorConfig;
import dev.swarm.pipeline.aggregator.AssemblerConfig;
import dev.swarm.pipeline.app.auth.AuthConfig;
import dev.swarm.pipeline.app.auth.FailureLockout;
import dev.swarm.pipeline.app.auth.TrustedProxies;
import dev.swarm.pipeline.ingest.IngestConfig;
import dev.swarm.pipeline.kafka.BrokerRetentionConfig;
import dev.swarm.pipeline.schema.SpanLimits;
import dev.swarm.pipeline.storage.RetentionConfig;
import dev.swarm.pipeline.storage.StorageConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every setting of the pipeline, read from environment variables in this one place. Each component gets its
 * own config type from here. A bad value stops start-up with a message naming the variable.
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
    long shutdownTimeoutMs,
    DiskGuardConfig diskGuard,
    BrokerRetentionConfig brokerRetention,
    HttpLimits httpLimits,
    AuthConfig auth,
    HttpTls httpTls,
    KafkaClientProperties kafkaClients) {

  /**
   * Whether assembled traces go to storage in this process, in memory (ROLE=all), rather than only through the
   * traces topic.
   */
  public boolean directStorage() {
    return role == Role.ALL;
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
    // ROLE=all stores assembled traces in memory; the topic is then only for other consumers. An aggregator
    // alone has nowhere else to send them, and a storage role reads nothing else.
    Boolean topicSetting = r.bool("TRACES_TOPIC_ENABLED");
    boolean tracesTopicEnabled = topicSetting == null ? role != Role.ALL : topicSetting;
    if (!tracesTopicEnabled && (role == Role.AGGREGATOR || role == Role.STORAGE)) {
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
    SpanLimits limits =
        new SpanLimits(
            r.integer("MAX_SPAN_NAME_CHARS", SpanLimits.DEFAULTS.maxSpanNameChars(), 1, 65_536),
            r.integer("MAX_ATTRIBUTES_BYTES", SpanLimits.DEFAULTS.maxAttributesBytes(), 2, 16 << 20),
            r.integer("MAX_EVENTS_PER_SPAN", SpanLimits.DEFAULTS.maxEventsPerSpan(), 0, 100_000));
    IngestConfig defaults = IngestConfig.defaults();
    // Bounded by the largest Kafka record: one request's spans of one trace travel as one record.
    long maxBody = r.longValue("MAX_BODY_BYTES", defaults.maxBodyBytes(), 1024, MAX_RECORD_BYTES / 2);
    IngestConfig ingest =
        new IngestConfig(
            spansTopic,
            maxBody,
            r.integer("MAX_SPANS_PER_REQUEST", defaults.maxSpansPerRequest(), 1, 1_000_000),
            r.longValue("MAX_INFLIGHT_BYTES", Math.max(defaults.maxInflightBytes(), maxBody), 1024, 16L << 30),
            defaults.inlineDecodeMaxBytes(),
            r.integer("RETRY_AFTER_SECONDS", defaults.retryAfterSeconds(), 1, 3600),
            limits,
            r.integer("SWARM_METRICS_MAX_LABEL_VALUES", defaults.swarmMetricsMaxLabelValues(), 1, 10_000),
            r.duration("HTTP_REQUEST_TIMEOUT", IngestConfig.DEFAULT_BODY_TIMEOUT_MS, 1000, 3_600_000),
            r.bytes("HTTP_MIN_BODY_RATE", IngestConfig.DEFAULT_MIN_BODY_BYTES_PER_SECOND, 0, 1L << 30));
    if (ingest.maxInflightBytes() < ingest.maxBodyBytes()) {
      r.problem("MAX_INFLIGHT_BYTES=" + ingest.maxInflightBytes() + " is below MAX_BODY_BYTES=" + maxBody
          + ": a request of the largest allowed size could never be accepted");
    }
    AggregatorConfig aggregator = aggregatorConfig(r, spansTopic, tracesTopic, limits);
    StorageConfig storage = storageConfig(r, tracesTopic, sqlite, limits);
    long shutdownTimeout = r.longValue("SHUTDOWN_TIMEOUT_MS", 20_000, 0, 600_000);
    DiskGuardConfig diskGuard = new DiskGuardConfig(
        r.bytes("MIN_FREE_DISK_BYTES", DiskGuardConfig.DEFAULT_MIN_FREE_BYTES, 0, 1L << 50),
        r.longValue("DISK_CHECK_INTERVAL_MS", DiskGuardConfig.DEFAULT_CHECK_INTERVAL_MS, 100, 60_000));
    BrokerRetentionConfig brokerRetention = new BrokerRetentionConfig(
        r.bytes("EMBEDDED_KAFKA_RETENTION_BYTES", BrokerRetentionConfig.DEFAULT_RETENTION_BYTES, 16L << 20, 1L << 50),
        r.bytes("EMBEDDED_KAFKA_SEGMENT_BYTES", BrokerRetentionConfig.DEFAULT_SEGMENT_BYTES, MAX_RECORD_BYTES, 1L << 30),
        r.longValue("EMBEDDED_KAFKA_SEGMENT_MS", BrokerRetentionConfig.DEFAULT_SEGMENT_MS, 1000, 7L * 86_400_000L),
        r.longValue("KAFKA_TRIM_INTERVAL_MS", BrokerRetentionConfig.DEFAULT_TRIM_INTERVAL_MS, 0, 3_600_000));
    if (brokerRetention.retentionBytes() < brokerRetention.segmentBytes()) {
      r.problem("EMBEDDED_KAFKA_RETENTION_BYTES=" + brokerRetention.retentionBytes()
          + " must not be below EMBEDDED_KAFKA_SEGMENT_BYTES=" + brokerRetention.segmentBytes());
    }
    long openFiles = HttpLimits.readOpenFilesLimit();
    HttpLimits httpLimits = new HttpLimits(
        r.integer("HTTP_MAX_CONNECTIONS", HttpLimits.defaultMaxConnections(openFiles), 1, 1_000_000),
        r.duration("HTTP_IDLE_TIMEOUT", HttpLimits.DEFAULT_IDLE_TIMEOUT_MS, 1000, 86_400_000L), openFiles);
    AuthConfig auth = authConfig(r, host);
    HttpTls tls = httpTls(r);
    KafkaClientProperties kafkaClients = kafkaClients(r, bootstrap == null);
    r.throwIfProblems();
    return new PipelineConfig(role, host, port, instances, dataDir, sqlite, bootstrap, embeddedPort, spansTopic,
        tracesTopic, tracesTopicEnabled, partitions, replication, ingest, aggregator, storage, shutdownTimeout, diskGuard, brokerRetention,
        httpLimits, auth, tls, kafkaClients);
  }

  /**
   * KAFKA_CLIENT_PROPERTIES_FILE (every Kafka client), KAFKA_PRODUCER_PROPERTIES_FILE and
   * KAFKA_CONSUMER_PROPERTIES_FILE (on top, producers or consumers only): read and checked now, so a missing file or
   * a refused key stops the start naming the file and the key.
   */
  private static KafkaClientProperties kafkaClients(EnvReader r, boolean embeddedBroker) {
    java.util.List<String> problems = new java.util.ArrayList<>();
    KafkaClientProperties p = KafkaClientProperties.load(path(r, KafkaClientProperties.CLIENT_FILE),
        path(r, KafkaClientProperties.PRODUCER_FILE), path(r, KafkaClientProperties.CONSUMER_FILE), embeddedBroker,
        problems);
    problems.forEach(r::problem);
    return p;
  }

  private static Path path(EnvReader r, String name) {
    String v = r.raw(name);
    if (v == null) {
      return null;
    }
    try {
      return Path.of(v);
    } catch (java.nio.file.InvalidPathException e) {
      r.problem(name + "=" + v + ": not a path");
      return null;
    }
  }

  private static HttpTls httpTls(EnvReader r) {
    // TLS_* would be ambiguous next to Kafka's own TLS settings: refuse them loudly rather than serve plain HTTP.
    for (String other : new String[] {"TLS_CERT_FILE", "TLS_KEY_FILE"}) {
      if (r.raw(other) != null) {
        r.problem(other + " is not a setting: HTTPS is HTTP_" + other
            + " (Kafka's TLS goes in KAFKA_CLIENT_PROPERTIES_FILE)");
      }
    }
    String cert = r.raw("HTTP_TLS_CERT_FILE");
    String key = r.raw("HTTP_TLS_KEY_FILE");
    if (cert == null && key == null) {
      return HttpTls.OFF;
    }
    if (cert == null || key == null) {
      r.problem("HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE go together: set both (PEM files) for HTTPS, or neither");
      return HttpTls.OFF;
    }
    for (String[] f : new String[][] {{"HTTP_TLS_CERT_FILE", cert}, {"HTTP_TLS_KEY_FILE", key}}) {
      if (!java.nio.file.Files.isReadable(Path.of(f[1]))) {
        r.problem(f[0] + "=" + f[1] + ": not a readable file");
      }
    }
    return new HttpTls(Path.of(cert), Path.of(key));
  }

  /**
   * Secure by default: credentials are needed once AUTH_TOKENS_FILE is set; without it the process serves only a
   * loopback HTTP_HOST unless AUTH=off says that is meant.
   */
  private static AuthConfig authConfig(EnvReader r, String host) {
    String mode = r.string("AUTH", "").toLowerCase(java.util.Locale.ROOT);
    String file = r.raw("AUTH_TOKENS_FILE");
    long reload = r.longValue("AUTH_RELOAD_INTERVAL_MS", AuthConfig.DEFAULT_RELOAD_INTERVAL_MS, 100, 3_600_000);
    long rate = r.longValue("TENANT_INGEST_SPANS_PER_SECOND", 0, 0, 1_000_000_000);
    long burst = r.longValue("TENANT_INGEST_BURST_SPANS", 0, 0, 1_000_000_000);
    FailureLockout.Config lockout = new FailureLockout.Config(
        r.integer("AUTH_FAILURES_PER_MINUTE", FailureLockout.Config.DEFAULT_FAILURES_PER_MINUTE, 1, 100_000),
        r.duration("AUTH_LOCKOUT", FailureLockout.Config.DEFAULT_LOCKOUT_MS, 1000, 86_400_000L),
        r.integer("AUTH_LOCKOUT_MAX_ADDRESSES", FailureLockout.Config.DEFAULT_MAX_ADDRESSES, 100, 1_000_000));
    TrustedProxies proxies = trustedProxies(r);
    switch (mode) {
      case "off":
        return new AuthConfig(null, reload, file == null ? "AUTH=off" : "AUTH=off (AUTH_TOKENS_FILE is ignored)", rate,
            burst, lockout, proxies);
      case "on", "":
        if (file != null) {
          return new AuthConfig(Path.of(file), reload, null, rate, burst, lockout, proxies);
        }
        if (mode.equals("on")) {
          r.problem("AUTH=on needs AUTH_TOKENS_FILE (create one with: trace-pipeline token create --tenant '*'"
              + " --scopes write,read,admin --file FILE)");
        } else if (!AuthConfig.isLoopback(host)) {
          r.problem("HTTP_HOST=" + host + " is reachable from other machines and no AUTH_TOKENS_FILE is set: anyone"
              + " could write and read every tenant's traces. Set AUTH_TOKENS_FILE (trace-pipeline token create"
              + " --tenant '*' --scopes write,read,admin --file FILE), or AUTH=off if something in front"
              + " authenticates");
        }
        return new AuthConfig(null, reload, "no AUTH_TOKENS_FILE and HTTP_HOST=" + host + " is loopback", rate, burst,
            lockout, proxies);
      default:
        r.problem("AUTH=" + mode + ": must be on or off (unset: on when AUTH_TOKENS_FILE is set)");
        return new AuthConfig(null, reload, "AUTH invalid", rate, burst, lockout, proxies);
    }
  }

  /** HTTP_TRUSTED_PROXIES: IP literals and CIDR ranges only; a host name is refused, never resolved. */
  private static TrustedProxies trustedProxies(EnvReader r) {
    String spec = r.raw("HTTP_TRUSTED_PROXIES");
    try {
      return TrustedProxies.parse(spec);
    } catch (IllegalArgumentException e) {
      r.problem("HTTP_TRUSTED_PROXIES=" + spec + ": " + e.getMessage());
      return TrustedProxies.NONE;
    }
  }

  private static AggregatorConfig aggregatorConfig(EnvReader r, String spansTopic, String tracesTopic,
      SpanLimits limits) {
    long idle = r.longValue("TRACE_IDLE_MS", AssemblerConfig.DEFAULT_IDLE_MS, 0, 3_600_000);
    long maxWait = r.longValue("TRACE_MAX_WAIT_MS", AssemblerConfig.DEFAULT_MAX_WAIT_MS, 1, 86_400_000);
    if (maxWait < idle) {
      r.problem("TRACE_MAX_WAIT_MS=" + maxWait + " must not be below TRACE_IDLE_MS=" + idle);
      maxWait = idle;
    }
    AssemblerConfig assembler = new AssemblerConfig(
        idle,
        maxWait,
        r.longValue("AGGREGATOR_MAX_BUFFERED_SPANS", AssemblerConfig.DEFAULT_MAX_BUFFERED_SPANS, 1, 1_000_000_000),
        r.integer("MAX_SPANS_PER_TRACE", AssemblerConfig.DEFAULT_MAX_SPANS_PER_TRACE, 1, 10_000_000),
        r.integer("AGGREGATOR_RECENTLY_EMITTED_CAPACITY", AssemblerConfig.DEFAULT_RECENTLY_EMITTED_CAPACITY, 0, 100_000_000),
        r.integer("AGGREGATOR_MAX_TRACE_BYTES", AssemblerConfig.DEFAULT_MAX_TRACE_BYTES, 1024, MAX_RECORD_BYTES - (1 << 20)));
    return new AggregatorConfig(
        spansTopic,
        tracesTopic,
        r.string("AGGREGATOR_GROUP_ID", AggregatorConfig.DEFAULT_GROUP_ID),
        assembler,
        r.longValue("AGGREGATOR_SWEEP_MS", AggregatorConfig.DEFAULT_SWEEP_INTERVAL_MS, 1, 60_000),
        r.integer("AGGREGATOR_MAX_INFLIGHT_TRACES", AggregatorConfig.DEFAULT_MAX_INFLIGHT_TRACES, 1, 10_000_000),
        r.longValue("AGGREGATOR_DRAIN_TIMEOUT_MS", AggregatorConfig.DEFAULT_DRAIN_TIMEOUT_MS, 0, 600_000),
        limits);
  }

  private static StorageConfig storageConfig(EnvReader r, String tracesTopic, Path sqlite, SpanLimits limits) {
    int batchMaxSpans = r.integer("STORAGE_BATCH_MAX_SPANS", StorageConfig.DEFAULT_BATCH_MAX_SPANS, 1, 1_000_000);
    int maxPending = r.integer("STORAGE_MAX_PENDING_SPANS", 4 * batchMaxSpans, 1, 100_000_000);
    if (maxPending < batchMaxSpans) {
      r.problem("STORAGE_MAX_PENDING_SPANS=" + maxPending + " must not be below STORAGE_BATCH_MAX_SPANS=" + batchMaxSpans);
      maxPending = batchMaxSpans;
    }
    long retryInitial = r.longValue("STORAGE_RETRY_INITIAL_MS", StorageConfig.DEFAULT_RETRY_INITIAL_BACKOFF_MS, 1, 600_000);
    long retryMax = r.longValue("STORAGE_RETRY_MAX_MS", StorageConfig.DEFAULT_RETRY_MAX_BACKOFF_MS, 1, 3_600_000);
    if (retryMax < retryInitial) {
      r.problem("STORAGE_RETRY_MAX_MS=" + retryMax + " must not be below STORAGE_RETRY_INITIAL_MS=" + retryInitial);
      retryMax = retryInitial;
    }
    return new StorageConfig(
        tracesTopic,
        r.string("STORAGE_GROUP_ID", StorageConfig.DEFAULT_GROUP_ID),
        sqlite,
        batchMaxSpans,
        r.longValue("STORAGE_BATCH_MAX_MS", StorageConfig.DEFAULT_BATCH_MAX_MS, 0, 600_000),
        maxPending,
        r.integer("SQLITE_BUSY_TIMEOUT_MS", StorageConfig.DEFAULT_BUSY_TIMEOUT_MS, 0, 600_000),
        retryInitial,
        retryMax,
        r.longValue("STORAGE_POLL_TIMEOUT_MS", StorageConfig.DEFAULT_POLL_TIMEOUT_MS, 1, 60_000),
        r.integer("SQLITE_WRITER_CACHE_MB", StorageConfig.DEFAULT_WRITER_CACHE_MB, 1, 65_536),
        r.integer("SQLITE_READER_CACHE_MB", StorageConfig.DEFAULT_READER_CACHE_MB, 1, 65_536),
        r.integer("SQLITE_WAL_LIMIT_MB", StorageConfig.DEFAULT_WAL_LIMIT_MB, 1, 1_000_000),
        r.longValue("SQLITE_CHECKPOINT_INTERVAL_MS", StorageConfig.DEFAULT_CHECKPOINT_INTERVAL_MS, 0, 3_600_000),
        r.integer("STORAGE_QUERY_POOL_SIZE", StorageConfig.DEFAULT_QUERY_POOL_SIZE, 1, 256),
        r.longValue("STORAGE_QUERY_TIMEOUT_MS", StorageConfig.DEFAULT_QUERY_TIMEOUT_MS, 1, 3_600_000),
        r.integer("STORAGE_QUERY_MAX_TRACE_SPANS", StorageConfig.DEFAULT_QUERY_MAX_TRACE_SPANS, 1, 10_000_000),
        r.longValue("STORAGE_DISK_METRICS_MS", StorageConfig.DEFAULT_DISK_METRICS_INTERVAL_MS, 100, 3_600_000),
        r.longValue("STORAGE_DRAIN_TIMEOUT_MS", StorageConfig.DEFAULT_DRAIN_TIMEOUT_MS, 0, 600_000),
        limits,
        retentionConfig(r));
  }

  private static RetentionConfig retentionConfig(EnvReader r) {
    long maxAge = r.duration("TRACE_RETENTION", RetentionConfig.DEFAULT_MAX_AGE_MILLIS, 0, 3650L * 86_400_000L);
    long maxBytes = r.bytes("STORAGE_MAX_BYTES", 0, 0, 1L << 50);
    if (maxBytes > 0 && maxBytes < RetentionConfig.MIN_MAX_BYTES) {
      r.problem("STORAGE_MAX_BYTES=" + maxBytes + ": must be at least 4MiB (or unset for no size bound)");
      maxBytes = 0;
    }
    return new RetentionConfig(maxAge, maxBytes,
        r.longValue("STORAGE_RETENTION_CHECK_MS", RetentionConfig.DEFAULT_CHECK_INTERVAL_MS, 100, 60_000),
        r.longValue("STORAGE_RETENTION_STEP_MS", RetentionConfig.DEFAULT_STEP_TARGET_MS, 1, 10_000));
  }

  /** Largest Kafka record the pipeline writes; topics are created to allow it. */
  public static final int MAX_RECORD_BYTES = 64 << 20;
}
