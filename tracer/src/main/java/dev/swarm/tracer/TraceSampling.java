package dev.swarm.tracer;

/**
 * Head sampling by trace id: keeps a trace when a number derived from its id falls below the ratio. Every
 * service with the same ratio makes the same decision for a trace without talking to the others, so sampled
 * traces stay whole. Relies on the low half of the trace id being random, which W3C ids generated here (and by
 * other tracers) are.
 */
public final class TraceSampling {
  private TraceSampling() {}

  /** True when spans of {@code traceId} are kept at {@code ratio} (1 keeps all, 0 none). */
  public static boolean keep(String traceId, double ratio) {
    if (ratio >= 1) {
      return true;
    }
    if (ratio <= 0) {
      return false;
    }
    long low;
    try {
      low = Long.parseUnsignedLong(traceId.substring(traceId.length() - 16), 16);
    } catch (RuntimeException e) {
      return true; // not a W3C id: never lose it silently
    }
    double position = (low >>> 11) * 0x1.0p-53; // uniform in [0, 1)
    return position < ratio;
  }
}
