package dev.swarm.sim;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the simulator sets before starting each span, so simulated minutes of agent work are generated in
 * microseconds of real time. Read and written on the simulator's event loop only.
 */
final class SimClock extends Clock {
  private long nowMillis;

  void set(long epochMillis) {
    this.nowMillis = epochMillis;
  }

  @Override
  public long millis() {
    return nowMillis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(nowMillis);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the simulated clock is UTC only");
  }
}
