package dev.swarm.pipeline.kafka;

/**
 * A consumed record its {@link KafkaConsumerLoop.Decoder} cannot read: the loop counts and logs it (rate-limited)
 * and hands it on as a {@link KafkaConsumerLoop.Polled} without a value, so the caller can skip it and still commit
 * past it. The message says why, and is logged: it must not hold the record's content.
 */
public final class UnreadableRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  public UnreadableRecordException(String reason) {
    super(reason, null, false, false);
  }
}
