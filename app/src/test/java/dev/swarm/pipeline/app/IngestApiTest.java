package dev.swarm.pipeline.app;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The ingest contract against the in-JVM KRaft broker (always runs; no Docker needed). */
class IngestApiTest extends IngestContract {
  @RegisterExtension static final PipelineExtension PIPELINE = new PipelineExtension();

  @Override
  PipelineExtension pipeline() {
    return PIPELINE;
  }
}
