package dev.swarm.pipeline.app;

import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of {@code bin/trace-pipeline}: configuration from the environment, then {@link PipelineApp}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
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
    } catch (Throwable e) {
      log.error("start-up failed: {}", e.toString(), e);
      System.err.println("trace-pipeline: start-up failed: " + e);
      // The shutdown hook stops whatever did start (a broker's threads would otherwise keep the JVM alive).
      System.exit(1);
    }
  }
}
