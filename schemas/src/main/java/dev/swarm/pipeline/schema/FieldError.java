package dev.swarm.pipeline.schema;

/**
 * One validation problem.
 *
 * @param index position of the span in the request or array (0-based)
 * @param field top-level field name ({@code trace_id}), a nested path ({@code events[3].time}), or {@code ""}
 *     when the span as a whole is wrong (for example not a JSON object)
 * @param message what is wrong, for humans
 */
public record FieldError(int index, String field, String message) {

  @Override
  public String toString() {
    return "spans[" + index + "]" + (field.isEmpty() ? "" : "." + field) + ": " + message;
  }
}
