package dev.swarm.pipeline.app;

/** Which services this process runs: all of them, or one, against an external Kafka cluster. */
public enum Role {
  ALL,
  INGEST,
  AGGREGATOR,
  STORAGE;

  public boolean runsIngest() {
    return this == ALL || this == INGEST;
  }

  public boolean runsAggregator() {
    return this == ALL || this == AGGREGATOR;
  }

  public boolean runsStorage() {
    return this == ALL || this == STORAGE;
  }
}
