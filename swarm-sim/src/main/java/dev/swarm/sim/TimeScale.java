package dev.swarm.sim;

/**
 * Maps a ticket's simulated times onto wall-clock time. A ticket is planned as millisecond offsets from the
 * start of its {@code http.request}; it is sent at wall time {@code now}.
 *
 * <ul>
 *   <li><b>Off</b> ({@code factor == 0}, the default): the whole ticket lies in the past and ends now; every
 *       span is ended at once.
 *   <li><b>Compressed</b> ({@code factor = N >= 1}): the span ending at offset {@code e} is ended
 *       {@code floor(e / N)} ms after {@code now}, so a 10-minute ticket at N = 60 takes 10 s and spans reach the
 *       pipeline spread over that time, as from a live platform. Recorded times keep their real (uncompressed)
 *       durations and are shifted so that no span's end time is ever later than the moment it is ended; the
 *       root, which ends last, ends exactly then.
 * </ul>
 */
record TimeScale(double factor) {
  static final TimeScale OFF = new TimeScale(0);

  TimeScale {
    if (!(factor == 0 || (factor >= 1 && factor <= 1_000_000))) {
      throw new IllegalArgumentException("--time-scale must be 0 (off) or in [1, 1000000], not " + factor);
    }
  }

  boolean isOff() {
    return factor == 0;
  }

  /** Epoch milliseconds at which a ticket of {@code totalMs}, sent at {@code now}, starts its request. */
  long base(long now, long totalMs) {
    return isOff() ? now - totalMs : now + delayMs(totalMs) - totalMs;
  }

  /** Wall-clock milliseconds after sending at which the span ending at {@code offsetMs} is ended. */
  long delayMs(long offsetMs) {
    return isOff() ? 0 : (long) Math.floor(offsetMs / factor);
  }
}
