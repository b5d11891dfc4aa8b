package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.ConfigException;
import dev.swarm.pipeline.aggregator.AggregatorVerticle;
import dev.swarm.pipeline.aggregator.Intake;
import dev.swarm.pipeline.aggregator.KafkaTraceSink;
import dev.swarm.pipeline.aggregator.TraceSink;
import dev.swarm.pipeline.aggregator.TraceSinks;
import dev.swarm.pipeline.app.auth.AuthRoutes;
import dev.swarm.pipeline.app.auth.Authenticator;
import dev.swarm.pipeline.ingest.IngestRoutes;
import dev.swarm.pipeline.ingest.SpanPublisher;
import dev.swarm.pipeline.ingest.TenantLimiter;
import dev.swarm.pipeline.ingest.otlp.OtlpRoutes;
import dev.swarm.pipeline.ingest.zipkin.ZipkinIngestRoutes;
import dev.swarm.pipeline.kafka.EmbeddedKafkaBroker;
import dev.swarm.pipeline.storage.SqliteBackend;
import dev.swarm.pipeline.storage.StorageBackend;
import dev.swarm.pipeline.storage.StorageVerticle;
import dev.swarm.pipeline.storage.postgres.PostgresBackend;
import dev.swarm.pipeline.storage.TraceQueryRoutes;
import dev.swarm.pipeline.storage.compat.CompatRoutes;
import dev.swarm.pipeline.ui.UiRoutes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the pipeline for a {@link PipelineConfig}: the embedded broker when no cluster is configured, the
 * topics, then the services of the configured role, downstream first; stops them in the reverse order.
 */
public final class PipelineApp {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineApp.class);

  private final PipelineConfig config;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private EmbeddedKafkaBroker broker;
  private Vertx vertx;
  private KafkaHealth kafkaHealth;
  private ConsumerLagMonitor lagMonitor;
  private DiskGuard diskGuard;
  private BrokerBacklogGuard backlogGuard;
  private DownstreamYield downstreamYield;
  private long downstreamYieldTimer = -1;
  private BrokerLogTrimmer trimmer;
  private Authenticator authenticator;
  private TlsCertificates tlsCertificates;
  private volatile StorageVerticle storage;
  private IngestRoutes ingest;
  private SpanPublisher publisher;
  private final List<String> deployments = new ArrayList<>();
  private volatile boolean started;
  private volatile boolean stopping;

  public PipelineApp(PipelineConfig config) {
    this.config = config;
  }

  /** Starts everything; blocking, for the main thread or a test's set-up. */
  public PipelineApp start() throws Exception {
    Authenticator authenticator = null;
    if (config.auth().enabled()) {
      try {
        authenticator = Authenticator.load(config.auth().tokensFile(), registry);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(List.of(e.getMessage()));
      }
    } else {
      LOG.warn("authentication is off ({}): anyone who reaches {}:{} can write and read every tenant's traces",
          config.auth().offBecause(), config.httpHost(), config.httpPort());
    }
    if (config.httpTls().enabled()) {
      try {
        tlsCertificates = TlsCertificates.load(config.httpTls(), registry);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(List.of(e.getMessage()));
      }
    }
    Files.createDirectories(config.dataDir());
    String bootstrap = config.kafkaBootstrapServers();
    if (config.embeddedKafka()) {
      broker = new EmbeddedKafkaBroker(config.dataDir().resolve("kafka"), config.embeddedKafkaPort(),
          config.kafkaPartitions(), config.brokerRetention()).start();
      bootstrap = broker.bootstrapServers();
    }
    // Every Kafka client below gets its properties from here: its defaults, then the properties files.
    KafkaClientProperties kafka = config.kafkaClients().withBootstrap(bootstrap);
    if (config.kafkaClients().any()) {
      LOG.info("Kafka clients: {}", config.kafkaClients()); // files and keys, never values
    }
    // The traces topic only where it is written or read: an ingest role never touches it.
    boolean tracesTopic = config.tracesTopicEnabled() && config.role() != Role.INGEST;
    TopicSetup.ensureTopics(kafka,
        tracesTopic ? List.of(config.spansTopic(), config.tracesTopic()) : List.of(config.spansTopic()),
        config.kafkaPartitions(), config.kafkaReplicationFactor(), PipelineConfig.MAX_RECORD_BYTES, Duration.ofSeconds(60));

    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    DownstreamThreads.lowerSharedWorkers(config.downstreamLowPriority());
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            // Route templates, not raw paths, so ids in URLs never become label values.
            .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE))))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    // Before any downstream thread exists, so none creates a loop.
    List<Thread> eventLoops = DownstreamThreads.startEventLoops(vertx);
    downstreamYield = config.downstreamLowPriority() ? downstreamYield(eventLoops) : null;
    kafkaHealth = new KafkaHealth(vertx, kafka, 1000);
    // The filesystems that fill as spans arrive: the embedded broker's log and the database.
    List<Path> watchedPaths = new ArrayList<>();
    if (config.embeddedKafka()) {
      watchedPaths.add(config.dataDir());
    }
    if (config.role().runsStorage() && config.sqlite()) {
      watchedPaths.add(config.sqlitePath().toAbsolutePath().getParent());
    }
    diskGuard = watchedPaths.isEmpty() ? null : new DiskGuard(vertx, config.diskGuard(), watchedPaths, registry);

    if (tlsCertificates != null) {
      // As often as the tokens file: a renewed certificate applies without a restart.
      tlsCertificates.watch(vertx, config.auth().reloadIntervalMs());
    }
    List<Consumer<Router>> mounts = new ArrayList<>();
    if (authenticator != null) {
      this.authenticator = authenticator.watch(vertx, config.auth().reloadIntervalMs());
      mounts.add(new AuthRoutes(authenticator, config.auth().lockout(),
          config.auth().trustedProxies(), registry)::mount); // before every route it guards
      LOG.info("authentication on: {} tokens from AUTH_TOKENS_FILE={}, read again when it changes; the lockout's client"
          + " address: {}", authenticator.tokens().tokens().size(), config.auth().tokensFile(),
          config.auth().trustedProxies().isEmpty() ? "the TCP peer (no HTTP_TRUSTED_PROXIES)"
              : "X-Forwarded-For from HTTP_TRUSTED_PROXIES=" + config.auth().trustedProxies());
    }
    HealthRoutes health = new HealthRoutes(registry)
        .check("kafka", () -> kafkaHealth.reachable() ? null : "Kafka " + kafkaHealth.lastError())
        .check("services", () -> started ? null : "services not yet deployed")
        .check("shutdown", () -> stopping ? "shutting down" : null)
        .check("disk", () -> diskGuard == null ? null : diskGuard.problem())
        .check("storage", () -> storage == null ? null : storage.problem());
    mounts.add(health::mount);

    if (config.role().runsIngest()) {
      Map<String, String> defaults = new HashMap<>(SpanPublisher.producerDefaults(config.ingest().maxInflightBytes()));
      defaults.put("max.request.size", Integer.toString(PipelineConfig.MAX_RECORD_BYTES));
      Map<String, String> producerProps = kafka.forProducer(defaults, "trace-ingest");
      publisher = new SpanPublisher(vertx, KafkaProducer.create(vertx, producerProps), config.ingest().spansTopic(), registry);
      ingest = new IngestRoutes(vertx, config.ingest(), publisher, registry, kafkaHealth::reachable);
      if (diskGuard != null) {
        ingest.flow().refuseWhileDiskLow(diskGuard::problem);
      }
      if (config.embeddedKafka()) {
        backlogGuard = new BrokerBacklogGuard(vertx, config.dataDir().resolve("kafka"), config.spansTopic(),
            config.brokerBacklogLimitBytes(), 1000, registry);
        ingest.flow().refuseWhileBacklogFull(backlogGuard::problem);
      }
      if (authenticator != null) {
        Authenticator tokens = authenticator;
        // Looked up per request, so a reloaded tokens file changes a tenant's limits at once.
        ingest.flow().limitTenants(new TenantLimiter(
            tenant -> config.auth().limitsOf(tokens.tokens().tenants().get(tenant)), System::nanoTime));
      }
      mounts.add(ingest::mount);
      // OTLP/HTTP (POST /v1/traces) and Zipkin v2 (POST /api/v2/spans, /zipkin/api/v2/spans) share its limits.
      mounts.add(new OtlpRoutes(ingest.flow())::mount);
      mounts.add(new ZipkinIngestRoutes(ingest.flow())::mount);
    }

    await(deployVerticles(kafka, mounts));
    Map<String, String> watchedGroups = new HashMap<>();
    if (config.role().runsAggregator()) {
      watchedGroups.put(config.aggregator().groupId(), config.spansTopic());
    }
    if (config.consumesTracesTopic()) {
      watchedGroups.put(config.storage().groupId(), config.tracesTopic());
    }
    if (!watchedGroups.isEmpty()) {
      lagMonitor = new ConsumerLagMonitor(vertx, kafka, watchedGroups, registry, 5000);
    }
    if (config.embeddedKafka()) {
      // An external cluster keeps its own retention (docs/deploy.md names the topic settings).
      // With storage in this process nothing of ours consumes the traces topic (when it is written at all):
      // the broker's own retention (EMBEDDED_KAFKA_RETENTION_BYTES) bounds it for other consumers.
      trimmer = new BrokerLogTrimmer(vertx, kafka, config.directStorage()
          ? Map.of(config.spansTopic(), config.aggregator().groupId())
          : Map.of(config.spansTopic(), config.aggregator().groupId(), config.tracesTopic(), config.storage().groupId()),
          config.brokerRetention().trimIntervalMs(), registry);
    }
    started = true;
    LOG.info("trace pipeline ready: role={} {}://{}:{} kafka={}{}{}", config.role().name().toLowerCase(),
        config.httpTls().scheme(), config.httpHost(), config.httpPort(), bootstrap, config.embeddedKafka() ? " (embedded)" : "",
        storage == null ? "" : " storage=" + (config.sqlite() ? "sqlite" : "postgres " + config.postgres().describe()));
    return this;
  }

  /**
   * The verticles get their consumer and producer properties from {@code kafka} (bootstrap, client id, the files);
   * the group, manual commits and their own defaults they add themselves, below what the files set.
   */
  private Future<?> deployVerticles(KafkaClientProperties kafka, List<Consumer<Router>> mounts) {
    Future<?> chain = Future.succeededFuture();
    // Downstream first, so nothing is accepted before it has somewhere to go.
    StorageVerticle storage = storageVerticle(kafka);
    if (storage != null) {
      this.storage = storage;
      chain = chain.compose(v -> vertx.deployVerticle(storage, downstream()).onSuccess(deployments::add));
    }
    if (config.role().runsStorage()) {
      chain = chain.onSuccess(v -> mounts.add(router -> TraceQueryRoutes.mount(router, storage.queryService())))
          // Zipkin- and Tempo-compatible reads for Grafana, under /zipkin and /tempo (docs/grafana.md).
          .onSuccess(v -> mounts.add(router -> CompatRoutes.mount(router, storage.queryService())))
          // The trace UI (/ redirects to /ui/) wherever the query API it reads is served.
          .onSuccess(v -> mounts.add(UiRoutes::mount));
    }
    if (config.role().runsAggregator()) {
      Map<String, String> producerProps = kafka.forProducer(Map.of(), "trace-aggregator-producer");
      Map<String, String> consumerProps = kafka.forConsumer(Map.of(), "trace-aggregator");
      chain = chain.compose(v -> vertx.deployVerticle(new AggregatorVerticle(config.aggregator(), consumerProps,
              traceSink(producerProps), registry, downstreamYield == null ? Intake.UNLIMITED : downstreamYield),
              downstream())
          .onSuccess(deployments::add));
    }
    if (config.role().runsAggregator() || config.role().runsStorage()) {
      chain = chain.compose(v -> logDownstreamPriority());
    }
    HttpLimits limits = config.httpLimits();
    ConnectionLimiter connections = new ConnectionLimiter(limits.maxConnections(), registry);
    LOG.info("HTTP: at most {} connections (open-file limit {}), idle timeout {} ms, request body timeout {} ms",
        limits.maxConnections(), limits.openFilesLimit() < 0 ? "unknown" : limits.openFilesLimit(),
        limits.idleTimeoutMs(), config.ingest().bodyTimeoutMs());
    if (limits.openFilesLimit() > 0 && limits.maxConnections() > limits.openFilesLimit() - 1024) {
      LOG.warn("HTTP_MAX_CONNECTIONS={} leaves fewer than 1024 of the {} open files for the broker and SQLite:"
          + " so many connections could halt the process; lower it or raise the limit (ulimit -n)",
          limits.maxConnections(), limits.openFilesLimit());
    }
    return chain.compose(v -> vertx.deployVerticle(
            () -> new HttpApiVerticle(config.httpHost(), config.httpPort(), List.copyOf(mounts), connections,
                limits.idleTimeoutMs(), tlsCertificates),
            new DeploymentOptions().setInstances(config.httpInstances()))
        .onSuccess(deployments::add))
        .compose(v -> guardListeningSocket(connections));
  }

  /**
   * The storage this process runs, or null: ROLE=all and an aggregator on PostgreSQL store what their aggregator
   * hands over (StorageTraceSink); a storage role consumes the traces topic into SQLite, or on PostgreSQL, where
   * the aggregators write, only serves reads.
   */
  private StorageVerticle storageVerticle(KafkaClientProperties kafka) {
    StorageBackend.Opener backend = config.sqlite() ? SqliteBackend::open : PostgresBackend.opener(config.postgres());
    if (config.directStorage()) {
      return StorageVerticle.handedOver(config.storage(), backend, registry);
    }
    if (config.consumesTracesTopic()) {
      return StorageVerticle.consuming(config.storage(), backend, kafka.forConsumer(Map.of(), "trace-storage"), registry);
    }
    return config.role().runsStorage() ? StorageVerticle.readOnly(config.storage(), backend, registry) : null;
  }

  private DeploymentOptions downstream() {
    return DownstreamThreads.deployment(config.downstreamLowPriority(), config.downstreamThreads());
  }

  /**
   * ROLE=all at low priority: the event loops' CPU time measured every 200 ms, and assembly holding back while they
   * use DOWNSTREAM_YIELD_AT_INGEST_CPU_PERCENT of the machine (DownstreamYield).
   */
  private DownstreamYield downstreamYield(List<Thread> eventLoops) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    if (!threads.isThreadCpuTimeSupported()) {
      LOG.warn("this JVM cannot measure thread CPU time: assembly never yields to ingest beyond its priority");
      return null;
    }
    DownstreamYield yield = new DownstreamYield(config.downstreamYieldAtIngestCpuPercent() / 100.0,
        config.downstreamYieldSpansPerSecond(), Runtime.getRuntime().availableProcessors(), System::nanoTime);
    long[] ids = eventLoops.stream().mapToLong(Thread::getId).toArray();
    LongSupplier cpu = () -> {
      long sum = 0;
      for (long id : ids) {
        sum += Math.max(0, threads.getThreadCpuTime(id)); // -1 for a thread that ended
      }
      return sum;
    };
    yield.sample(cpu.getAsLong());
    downstreamYieldTimer = vertx.setPeriodic(200, id -> yield.sample(cpu.getAsLong()));
    Gauge.builder("trace.downstream.yielding", yield, y -> y.yielding() ? 1 : 0)
        .description("1 while assembly reads at most DOWNSTREAM_YIELD_SPANS_PER_SECOND because ingest's event loops"
            + " use DOWNSTREAM_YIELD_AT_INGEST_CPU_PERCENT of the CPU (ROLE=all, DOWNSTREAM_PRIORITY=low)")
        .register(registry);
    Gauge.builder("trace.ingest.event.loop.cpu.ratio", yield, DownstreamYield::eventLoopShare)
        .description("The event loops' share of all the machine's CPU over the last 200 ms")
        .register(registry);
    return yield;
  }

  /** Says at start what priority assembly and storage run at, and when the JVM ignored the request for a low one. */
  private Future<?> logDownstreamPriority() {
    String pool = config.downstreamLowPriority() ? DownstreamThreads.LOW_POOL : DownstreamThreads.NORMAL_POOL;
    io.vertx.core.WorkerExecutor onPool = vertx.createSharedWorkerExecutor(pool, config.downstreamThreads());
    return onPool.executeBlocking(DownstreamThreads::currentNice).onSuccess(nice -> {
      if (!config.downstreamLowPriority()) {
        LOG.info("assembly and storage: {} threads of their own ({}) at normal priority", config.downstreamThreads(), pool);
      } else if (nice != null && nice > 0) {
        LOG.info("assembly and storage: {} threads of their own ({}) at nice {}: under a burst ingest comes first and"
            + " the backlog waits in Kafka; while the event loops use {}% of the CPU, assembly reads at most {} spans/s"
            + " (DOWNSTREAM_PRIORITY=normal turns both off)", config.downstreamThreads(), pool, nice,
            config.downstreamYieldAtIngestCpuPercent(), config.downstreamYieldSpansPerSecond());
      } else {
        LOG.warn("DOWNSTREAM_PRIORITY=low has no effect: the JVM ignores thread priorities without"
            + " -XX:ThreadPriorityPolicy=1 (bin/trace-pipeline and the container image set it); under a burst assembly"
            + " and storage compete with ingest for the CPU");
      }
    }).onComplete(x -> onPool.close()).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /** Where the aggregator's traces go: storage in this process, the traces topic, or both. */
  private Function<Vertx, TraceSink> traceSink(Map<String, String> producerProps) {
    int maxTraceBytes = config.aggregator().assembler().maxTraceBytes();
    Function<Vertx, TraceSink> topic =
        v -> new KafkaTraceSink(v, config.tracesTopic(), producerProps, maxTraceBytes);
    if (!config.directStorage()) {
      return topic;
    }
    StorageVerticle local = storage;
    return config.tracesTopicEnabled()
        ? v -> TraceSinks.both(new StorageTraceSink(local), topic.apply(v))
        : v -> new StorageTraceSink(local);
  }

  /**
   * One request of the app's own, so the connection cap sits on the listening socket before any client's burst
   * (see {@link ConnectionLimiter}). Never fails the start: without it the cap still holds, later.
   */
  private Future<Void> guardListeningSocket(ConnectionLimiter connections) {
    String host = switch (config.httpHost()) {
      case "0.0.0.0" -> "127.0.0.1";
      case "::", "[::]" -> "::1";
      default -> config.httpHost();
    };
    // Its own address: with HTTPS the certificate names the public host, so this one request checks no name.
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setSsl(config.httpTls().enabled()).setTrustAll(true).setVerifyHost(false));
    return client.request(io.vertx.core.http.HttpMethod.GET, config.httpPort(), host, "/health/live")
        .compose(req -> req.send().compose(resp -> resp.body()))
        .<Void>mapEmpty()
        .eventually(client::close)
        .otherwiseEmpty()
        .onComplete(v -> {
          if (!connections.guarding()) {
            LOG.warn("the HTTP connection cap is not yet on the listening socket (the app's own request to {}:{}"
                + " failed): until a first connection arrives, a burst may briefly exceed HTTP_MAX_CONNECTIONS",
                host, config.httpPort());
          }
        });
  }

  /** Graceful stop: refuse new requests, let in-flight publishes finish, undeploy in reverse, stop the broker. */
  public synchronized void stop() {
    if (vertx == null && broker == null) {
      return;
    }
    stopping = true;
    if (ingest != null) {
      ingest.startDraining();
      long deadline = System.currentTimeMillis() + config.shutdownTimeoutMs();
      while (ingest.inflightBytes() > 0 && System.currentTimeMillis() < deadline) {
        sleepQuietly(20); // in-flight publishes finish on Kafka's schedule; nothing to await but the count
      }
    }
    if (vertx != null) {
      for (int i = deployments.size() - 1; i >= 0; i--) {
        try {
          await(vertx.undeploy(deployments.get(i)));
        } catch (Exception e) {
          LOG.warn("undeploying {} failed: {}", deployments.get(i), e.toString());
        }
      }
      deployments.clear();
      if (publisher != null) {
        tryAwait(publisher.close(), "closing the span producer");
      }
      if (kafkaHealth != null) {
        kafkaHealth.close();
      }
      if (lagMonitor != null) {
        lagMonitor.close();
      }
      if (trimmer != null) {
        trimmer.close();
      }
      if (diskGuard != null) {
        diskGuard.close();
      }
      if (downstreamYieldTimer >= 0) {
        vertx.cancelTimer(downstreamYieldTimer);
      }
      if (backlogGuard != null) {
        backlogGuard.close();
      }
      if (authenticator != null) {
        authenticator.close();
      }
      if (tlsCertificates != null) {
        tlsCertificates.close();
      }
      tryAwait(vertx.close(), "closing Vert.x");
      vertx = null;
    }
    if (broker != null) {
      broker.stop();
      broker = null;
    }
    LOG.info("trace pipeline stopped");
  }

  public PipelineConfig config() {
    return config;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The embedded broker, or null when an external cluster is used. */
  public EmbeddedKafkaBroker broker() {
    return broker;
  }

  public String bootstrapServers() {
    return broker != null ? broker.bootstrapServers() : config.kafkaBootstrapServers();
  }


  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static void tryAwait(Future<?> f, String what) {
    try {
      await(f);
    } catch (Exception e) {
      LOG.warn("{} failed: {}", what, e.toString());
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
