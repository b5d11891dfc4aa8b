package dev.swarm.pipeline.storage;

import java.util.List;

/** A trace search with bad parameters; {@link #errors()} names each one. */
public final class InvalidQueryException extends RuntimeException {

  private final List<QueryParameterError> errors;

  public InvalidQueryException(List<QueryParameterError> errors) {
    super("invalid query parameters: " + errors);
    this.errors = List.copyOf(errors);
  }

  public List<QueryParameterError> errors() {
    return errors;
  }
}
