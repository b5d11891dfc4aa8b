package dev.swarm.pipeline.ingest.swarm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admits at most {@code maxValues} distinct values for one label; every later new value is reported as
 * {@value #OTHER} and counted in {@code swarm_metrics_label_overflow_total{label}}. Values come from clients'
 * span attributes, so without this one misbehaving service could create unbounded Prometheus series.
 *
 * <p>Thread-safe: the admitted set is read lock-free; only admitting a new value takes the lock, so the limit
 * is exact under concurrency.
 */
public final class LabelLimiter {
  /** The value that stands for every value past the limit. */
  public static final String OTHER = "other";
  /** Stands for a missing or empty value. */
  public static final String UNKNOWN = "unknown";
  /** Longer values are cut to this many characters before they are admitted. */
  public static final int MAX_VALUE_CHARS = 100;

  private final String label;
  private final int maxValues;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final Counter overflow;

  public LabelLimiter(String label, int maxValues, MeterRegistry registry) {
    if (maxValues < 1) {
      throw new IllegalArgumentException("maxValues must be >= 1: " + maxValues);
    }
    this.label = label;
    this.maxValues = maxValues;
    this.overflow =
        Counter.builder("swarm.metrics.label.overflow")
            .description("Observations whose label value was replaced by 'other' because the label already had SWARM_METRICS_MAX_LABEL_VALUES values")
            .tag("label", label)
            .register(registry);
  }

  public String label() {
    return label;
  }

  /** The value to use as the label: {@code value} itself (cut to length), {@value #UNKNOWN}, or {@value #OTHER}. */
  public String admit(String value) {
    if (value == null || value.isEmpty()) {
      value = UNKNOWN;
    } else if (value.length() > MAX_VALUE_CHARS) {
      value = value.substring(0, MAX_VALUE_CHARS);
    }
    if (admitted.contains(value) || value.equals(OTHER)) {
      return value;
    }
    synchronized (this) {
      if (admitted.contains(value)) {
        return value;
      }
      if (admitted.size() < maxValues) {
        admitted.add(value);
        return value;
      }
    }
    overflow.increment();
    return OTHER;
  }

  /** Distinct values admitted so far (never more than the limit). */
  public int size() {
    return admitted.size();
  }
}
