package dev.swarm.pipeline.schema;

/** A swarm.traces record value that {@link TraceRecord.Reader} cannot read; the message says what is wrong. */
public final class InvalidTraceRecordException extends RuntimeException {

  public InvalidTraceRecordException(String message) {
    super(message);
  }

  public InvalidTraceRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
