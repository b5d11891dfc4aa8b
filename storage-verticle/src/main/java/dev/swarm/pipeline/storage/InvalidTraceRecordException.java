package dev.swarm.pipeline.storage;

/** A swarm.traces record value that is not a valid trace message; the message says what is wrong. */
public final class InvalidTraceRecordException extends RuntimeException {

  public InvalidTraceRecordException(String message) {
    super(message);
  }

  public InvalidTraceRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
