package dev.swarm.pipeline.app;

import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same ingest contract against the official Kafka image, for machines with a Docker engine (developers'
 * laptops, other CI). Without one the class is skipped at once; {@link IngestApiTest} covers the contract.
 */
@Testcontainers(disabledWithoutDocker = true)
class IngestApiOnKafkaContainerTest extends IngestContract {
  @Container static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:3.9.1");

  @RegisterExtension
  static final PipelineExtension PIPELINE =
      new PipelineExtension(() -> Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.getBootstrapServers()));

  @Override
  PipelineExtension pipeline() {
    return PIPELINE;
  }
}
