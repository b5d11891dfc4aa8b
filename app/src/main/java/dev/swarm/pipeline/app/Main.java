package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.ConfigException;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of {@code bin/trace-pipeline}: configuration from the environment, then {@link PipelineApp}. */
public final class Main {
  private Main() {}

  static final String USAGE = """
      usage: trace-pipeline
      Runs the trace pipeline. Every setting comes from the environment (README.md, "Configuration"); the
      defaults run all roles (ingest, aggregator, storage) with an embedded Kafka broker, the API, health and
      metrics on http://127.0.0.1:8080 and the data in ./data. For example:
        bin/trace-pipeline
        HTTP_PORT=9000 DATA_DIR=/var/lib/trace-pipeline TRACE_RETENTION=3d bin/trace-pipeline
        ROLE=ingest KAFKA_BOOTSTRAP_SERVERS=kafka:9092 bin/trace-pipeline
      Exits 2 on a bad setting (naming it), 1 when start-up fails.
      """;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("token")) {
      System.exit(dev.swarm.pipeline.app.auth.TokenCommand.run(args, System.getenv(), System.out, System.err));
    }
    if (args.length > 0) {
      boolean help = args[0].equals("--help") || args[0].equals("-h");
      (help ? System.out : System.err).print((help ? "" : "trace-pipeline: unknown argument " + args[0] + "\n") + USAGE);
      System.exit(help ? 0 : 2);
    }
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    Logger log = LoggerFactory.getLogger(Main.class);
    PipelineConfig config;
    try {
      config = PipelineConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("trace-pipeline: " + e.getMessage());
      log.error("invalid configuration: {}", String.join("; ", e.problems()));
      LogManager.shutdown();
      System.exit(2);
      return;
    }
    PipelineApp app = new PipelineApp(config);
    // SIGTERM/SIGINT: stop accepting, finish in-flight work, then exit; log4j is shut down last so these lines land.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutdown requested");
      app.stop();
      LogManager.shutdown();
    }, "pipeline-shutdown"));
    try {
      app.start();
    } catch (ConfigException e) { // found only at start, e.g. an invalid AUTH_TOKENS_FILE
      System.err.println("trace-pipeline: " + e.getMessage());
      log.error("invalid configuration: {}", String.join("; ", e.problems()));
      System.exit(2);
    } catch (Throwable e) {
      log.error("start-up failed: {}", e.toString(), e);
      System.err.println("trace-pipeline: start-up failed: " + e);
      // The shutdown hook stops whatever did start (a broker's threads would otherwise keep the JVM alive).
      System.exit(1);
    }
  }
}
