package dev.swarm.pipeline.ingest;

import dev.swarm.pipeline.schema.FieldError;
import dev.swarm.pipeline.schema.Span;
import java.util.List;

/** Outcome of converting a request body of another format (OTLP, Zipkin) into contract spans. */
public sealed interface ConversionResult {

  /**
   * The body was decodable.
   *
   * @param spans the valid spans, in request order
   * @param rejected how many spans broke the contract (left out of {@code spans})
   * @param errors the first problems of the rejected spans, {@code index} = position in the request
   * @param total spans in the request
   */
  record Converted(List<Span> spans, int rejected, List<FieldError> errors, int total) implements ConversionResult {
    public Converted {
      spans = List.copyOf(spans);
      errors = List.copyOf(errors);
    }

    /** A one-line summary of the problems, e.g. for OTLP's {@code partial_success.error_message}. */
    public String summary() {
      StringBuilder sb = new StringBuilder();
      sb.append(rejected).append(" of ").append(total).append(total == 1 ? " span" : " spans").append(" rejected");
      int shown = 0;
      for (FieldError e : errors) {
        if (shown == 5) {
          sb.append("; …");
          break;
        }
        sb.append(shown == 0 ? ": " : "; ").append(e);
        shown++;
      }
      return sb.toString();
    }
  }

  /** The body is not a message of the format (bad protobuf, bad JSON, wrong shape). */
  record Malformed(String message) implements ConversionResult {}

  /** More than {@code max} spans; nothing was accepted. */
  record TooManySpans(int max) implements ConversionResult {}
}
