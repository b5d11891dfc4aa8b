package dev.swarm.pipeline.schema;

import java.util.List;

/**
 * Thrown by {@link SpanDecoder#readArray} and {@link SpanScanner#scan} when input is malformed or a span is
 * invalid. {@link #errors()} is empty when the JSON itself is malformed.
 */
public final class InvalidSpanException extends RuntimeException {

  private final transient List<FieldError> errors;

  public InvalidSpanException(String message, List<FieldError> errors) {
    super(message);
    this.errors = List.copyOf(errors);
  }

  public InvalidSpanException(String message) {
    this(message, List.of());
  }

  /** The problems found (at most {@link SpanDecoder#MAX_ERROR_DETAILS}); empty for malformed JSON. */
  public List<FieldError> errors() {
    return errors;
  }
}
