package dev.swarm.pipeline.ingest.swarm;

/**
 * Settings of the span-derived Swarm metrics.
 *
 * @param maxLabelValues distinct values kept per label (model, agent_type, path, …); later values are reported
 *     as {@code other} [SWARM_METRICS_MAX_LABEL_VALUES, 50]
 */
public record SwarmMetricsConfig(int maxLabelValues) {
  public static final int DEFAULT_MAX_LABEL_VALUES = 50;

  public SwarmMetricsConfig {
    if (maxLabelValues < 1) {
      throw new IllegalArgumentException("maxLabelValues must be >= 1: " + maxLabelValues);
    }
  }

  public static SwarmMetricsConfig defaults() {
    return new SwarmMetricsConfig(DEFAULT_MAX_LABEL_VALUES);
  }
}
