package dev.swarm.pipeline.app;

import dev.swarm.pipeline.kafka.LocalPorts;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts a whole pipeline in this JVM (embedded broker, real SQLite file) for a test, on free ports. */
public final class TestPipeline {
  private TestPipeline() {}

  /** The settings tests start from: data in {@code dataDir}, free ports, 3 partitions, quick assembly. */
  public static Map<String, String> env(Path dataDir) {
    Map<String, String> env = new HashMap<>();
    env.put("DATA_DIR", dataDir.toString());
    env.put("HTTP_PORT", Integer.toString(freePort()));
    env.put("EMBEDDED_KAFKA_PORT", "0");
    env.put("KAFKA_PARTITIONS", "3");
    env.put("HTTP_INSTANCES", "1");
    env.put("TRACE_IDLE_MS", "300");
    env.put("SHUTDOWN_TIMEOUT_MS", "5000");
    return env;
  }

  static PipelineApp start(Path dataDir, Map<String, String> overrides) throws Exception {
    Map<String, String> env = env(dataDir);
    env.putAll(overrides);
    return new PipelineApp(PipelineConfig.fromEnv(env)).start();
  }

  /**
   * An external broker for tests that run roles against it (not started): on a free port, 3 partitions, the default
   * retention, and no trimming of its own (the pipelines' trimmers only run beside an embedded broker).
   */
  static dev.swarm.pipeline.kafka.EmbeddedKafkaBroker broker(Path logDir) {
    return new dev.swarm.pipeline.kafka.EmbeddedKafkaBroker(logDir, 0, 3, new dev.swarm.pipeline.kafka.BrokerRetentionConfig(
        dev.swarm.pipeline.kafka.BrokerRetentionConfig.DEFAULT_RETENTION_BYTES,
        dev.swarm.pipeline.kafka.BrokerRetentionConfig.DEFAULT_SEGMENT_BYTES,
        dev.swarm.pipeline.kafka.BrokerRetentionConfig.DEFAULT_SEGMENT_MS, 0));
  }

  public static int freePort() {
    return LocalPorts.free();
  }
}
