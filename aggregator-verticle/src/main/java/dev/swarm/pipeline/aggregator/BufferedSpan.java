package dev.swarm.pipeline.aggregator;

import java.util.Objects;

/**
 * One span waiting in the aggregator: just what assembly needs (its id and parent id) plus the span's normalised
 * JSON object as raw UTF-8 bytes, which are forwarded to swarm.traces untouched. Kept to three references so a
 * buffered span costs little more than its JSON.
 */
public final class BufferedSpan {
  private final String id;
  private final String parentId;
  private final byte[] json;

  /**
   * @param id span id
   * @param parentId parent span id, null for a root
   * @param json the span's normalised JSON object (UTF-8); not copied, callers hand over ownership
   */
  public BufferedSpan(String id, String parentId, byte[] json) {
    this.id = Objects.requireNonNull(id, "id");
    this.parentId = parentId;
    this.json = Objects.requireNonNull(json, "json");
  }

  public String id() {
    return id;
  }

  /** Null for a root span. */
  public String parentId() {
    return parentId;
  }

  /** The span's JSON object bytes; not a copy, do not modify. */
  public byte[] json() {
    return json;
  }

  @Override
  public String toString() {
    return "BufferedSpan{id=" + id + ", parentId=" + parentId + ", bytes=" + json.length + '}';
  }
}
