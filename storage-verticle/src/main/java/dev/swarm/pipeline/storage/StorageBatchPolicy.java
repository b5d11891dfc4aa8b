package dev.swarm.pipeline.storage;

/**
 * When to write the batch being accumulated: once it holds {@code maxSpans} spans, or {@code maxMillis} after
 * its first record arrived, whichever comes first. Counts only; the caller keeps the records. Not thread-safe.
 */
public final class StorageBatchPolicy {

  private final int maxSpans;
  private final long maxMillis;
  private int records;
  private int spans;
  private long firstRecordAtMillis;

  public StorageBatchPolicy(int maxSpans, long maxMillis) {
    if (maxSpans <= 0 || maxMillis < 0) {
      throw new IllegalArgumentException("maxSpans must be positive and maxMillis not negative: "
          + maxSpans + ", " + maxMillis);
    }
    this.maxSpans = maxSpans;
    this.maxMillis = maxMillis;
  }

  /** Counts one record of {@code spanCount} spans that arrived at {@code nowMillis}. */
  public void add(int spanCount, long nowMillis) {
    if (records == 0) {
      firstRecordAtMillis = nowMillis;
    }
    records++;
    spans += spanCount;
  }

  /** True when the batch has reached its span limit. */
  public boolean isFull() {
    return spans >= maxSpans;
  }

  /** True when the batch holds a record and is full or its first record is {@code maxMillis} old. */
  public boolean isDue(long nowMillis) {
    return records > 0 && (isFull() || nowMillis - firstRecordAtMillis >= maxMillis);
  }

  /** Milliseconds until the batch becomes due by age (0 when due now); -1 when the batch is empty. */
  public long millisUntilDue(long nowMillis) {
    if (records == 0) {
      return -1;
    }
    if (isFull()) {
      return 0;
    }
    return Math.max(0, firstRecordAtMillis + maxMillis - nowMillis);
  }

  public boolean isEmpty() {
    return records == 0;
  }

  public int records() {
    return records;
  }

  public int spans() {
    return spans;
  }

  /** Starts a new batch. */
  public void reset() {
    records = 0;
    spans = 0;
    firstRecordAtMillis = 0;
  }
}
