package dev.swarm.pipeline.schema;

import java.util.List;

/** Outcome of {@link SpanDecoder#decodeRequest}: all spans accepted, or why none were. */
public sealed interface DecodeResult {

  /** Every span in the body was valid; {@code spans} are normalised, in request order. */
  record Accepted(List<Span> spans) implements DecodeResult {
    public Accepted {
      spans = List.copyOf(spans);
    }
  }

  /**
   * At least one span was invalid, so none were accepted.
   *
   * @param details the first {@link SpanDecoder#MAX_ERROR_DETAILS} problems, in body order
   * @param invalidSpans how many spans had at least one problem
   * @param totalSpans how many spans the body held (all of them are rejected)
   */
  record Invalid(String message, List<FieldError> details, int invalidSpans, int totalSpans) implements DecodeResult {
    public Invalid {
      details = List.copyOf(details);
    }
  }

  /** The body is not JSON, has trailing content, or is not one of the accepted top-level shapes. */
  record Malformed(String message) implements DecodeResult {}

  /** The body holds more than {@code max} spans; nothing was accepted. */
  record TooManySpans(int max) implements DecodeResult {}
}
