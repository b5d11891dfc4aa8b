package dev.swarm.pipeline.storage;

/** The database schema cannot be brought to the version this build expects; the message says why. */
public final class SchemaMigrationException extends RuntimeException {

  public SchemaMigrationException(String message) {
    super(message);
  }

  public SchemaMigrationException(String message, Throwable cause) {
    super(message, cause);
  }
}
