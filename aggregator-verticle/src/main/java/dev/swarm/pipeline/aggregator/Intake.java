package dev.swarm.pipeline.aggregator;

/**
 * How much the aggregator may read from the spans topic beyond its own limits: a process that also takes spans
 * (ROLE=all) holds assembly back while ingest needs the CPU, so Kafka keeps the backlog and ingest keeps up with a
 * burst. Both methods run on the aggregator's context.
 */
public interface Intake {
  /** Reads whenever the aggregator has room. */
  Intake UNLIMITED = new Intake() {
    @Override
    public boolean holdBack() {
      return false;
    }

    @Override
    public void took(int spans) {}
  };

  /** True while the aggregator should read nothing more: its consumer pauses until this says false. */
  boolean holdBack();

  /** The aggregator took {@code spans} spans from the topic. */
  void took(int spans);
}
