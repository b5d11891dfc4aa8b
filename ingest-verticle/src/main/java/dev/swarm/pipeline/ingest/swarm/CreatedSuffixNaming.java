package dev.swarm.pipeline.ingest.swarm;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.NamingConvention;
import java.util.Map;

/**
 * Keeps {@code swarm_prs_created_total} named as the design names it. The Prometheus Java client 1.x strips a
 * trailing {@code _created} from metric names (OpenMetrics uses that suffix for counters' creation-time samples),
 * so a counter {@code swarm.prs.created} would be exported as {@code swarm_prs_total}. This convention wraps the
 * registry's own one and answers the exact name for the meters listed; every other name goes to the wrapped
 * convention unchanged. A counter family {@code swarm_prs_created} is valid OpenMetrics (its samples are
 * {@code swarm_prs_created_total} and, if enabled, {@code swarm_prs_created_created}).
 */
final class CreatedSuffixNaming implements NamingConvention {
  /** Micrometer name to the exact Prometheus family name (without {@code _total}, which the writer appends). */
  static final Map<String, String> EXACT_NAMES = Map.of("swarm.prs.created", "swarm_prs_created");

  private final NamingConvention delegate;

  private CreatedSuffixNaming(NamingConvention delegate) {
    this.delegate = delegate;
  }

  /** Wraps the registry's naming convention once (idempotent). */
  static void install(MeterRegistry registry) {
    synchronized (registry) {
      NamingConvention current = registry.config().namingConvention();
      if (!(current instanceof CreatedSuffixNaming)) {
        registry.config().namingConvention(new CreatedSuffixNaming(current));
      }
    }
  }

  @Override
  public String name(String name, Meter.Type type, String baseUnit) {
    String exact = EXACT_NAMES.get(name);
    return exact != null ? exact : delegate.name(name, type, baseUnit);
  }

  @Override
  public String tagKey(String key) {
    return delegate.tagKey(key);
  }

  @Override
  public String tagValue(String value) {
    return delegate.tagValue(value);
  }
}
