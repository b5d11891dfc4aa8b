package dev.swarm.pipeline.storage;

import io.vertx.sqlclient.Tuple;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The parts of the query API's SQL that differ between storage backends ({@link TraceQueryService} and the Zipkin and
 * Tempo reads of {@code compat.CompatQueryService}); everything else, and all rendering, is shared. The statements are
 * written with {@code ?} placeholders and go through {@link #sql} before they are prepared.
 *
 * <p>The answers must be the same on every backend, so an implementation gives what SQLite gives: times as the
 * contract's ISO text ({@code 2026-11-27T23:24:23.123Z}), {@code complete} as the integer 1 or 0, attributes and events
 * as the JSON text stored, and a JSON attribute's value with SQLite's types and text (see {@link #attributeText}).
 * {@link SqliteReadSql} is the reference; storage-postgres has PostgreSQL's. Pieces that read span rows use the alias
 * {@code a} for {@code agent_traces}; pieces over summaries use {@code s} for {@code trace_summaries}.
 */
public interface TraceReadSql {

  /** A statement written with {@code ?} placeholders, as this backend's client prepares it. */
  String sql(String withQuestionMarks);

  /** Parameters in placeholder order, as this backend's client binds them. */
  Tuple tuple(List<Object> values);

  /** {@link #tuple(List)} of these values. */
  default Tuple tuple(Object... values) {
    return tuple(Arrays.asList(values));
  }

  /** The parameter compared with a time column, from the contract's ISO text. */
  Object time(String isoText);

  /** The parameter that names the attribute {@code key} in {@link #attributeText} and {@link #attributeIsPresent}. */
  Object attributeKey(String key);

  /**
   * A service or span name compared with the Zipkin service index's keys ({@code service_span_names},
   * {@code trace_services}) as the backend's writer stores them there.
   */
  Object indexKey(String name);

  /** The one parameter of {@link #keyRows()} for these trace keys. */
  Object keys(Collection<TraceKey> keys);

  /** The one parameter of {@link #textsOf()} for these texts. */
  Object texts(List<String> texts);

  /** The select list of a summary row over {@code trace_summaries} (or a subquery of its columns); read by name. */
  String summaryColumns();

  /**
   * The select list of a span row, the columns of {@link StoredSpan} in its order (read by position), over
   * {@code agent_traces} named {@code qualifier} ({@code ""} or {@code "a."}).
   */
  String spanColumns(String qualifier);

  /** The select list of a search cursor's position over summaries {@code s}: start time, trace id. */
  String cursorColumns();

  /**
   * A bounded scan is {@code SELECT <outer> FROM (SELECT <inner> FROM trace_summaries s … LIMIT n) s WHERE <probes>
   * ORDER BY s.start_time DESC, s.trace_id DESC}: its outer select list.
   */
  String scanOuterColumns();

  /** The bounded scan's inner select list (see {@link #scanOuterColumns()}). */
  String scanInnerColumns();

  /** The condition that summary {@code s} is complete ({@code true}) or not. */
  String completeIs(boolean complete);

  /**
   * A FROM item named {@code j} of the rows of a {@link #keys} parameter, in its order: {@code j.value ->> 0} is the
   * trace id, {@code j.value ->> 1} the tenant, {@code j.key} the position.
   */
  String keyRows();

  /** A subquery of the texts of a {@link #texts} parameter. */
  String textsOf();

  /** Span {@code a}'s service: its {@code service.name} attribute lower-cased (ASCII only), else {@code unknown}. */
  String serviceOfSpan();

  /**
   * Span {@code a}'s attribute named by the next parameter ({@link #attributeKey}) as SQLite's
   * {@code CAST(json_extract(…) AS TEXT)} gives it: a string as itself, an integer as its digits, another number as
   * SQLite's text of the double ({@code 2.5}, {@code 100.0}, {@code 1.0e+100}, {@code Inf}), true and false as
   * {@code 1} and {@code 0}, an object or array as its JSON text, null or no such attribute as NULL.
   */
  String attributeText();

  /** Span {@code a} has the attribute named by the next parameter ({@link #attributeKey}), even with a null value. */
  String attributeIsPresent();

  /** Span {@code a} has an event whose name is the next parameter. */
  String eventNamed();

  /** {@code expr} with ASCII letters lower-cased, as SQLite's {@code lower}. */
  String lowerAscii(String expr);

  /** Text column {@code column} holds hex digits only. */
  String hexOnly(String column);

  /**
   * The search roll-up's aggregates over the spans {@code a} of one trace: its services as a JSON array of distinct
   * {@link #serviceOfSpan()}, its {@link TraceQueryService#LLM_SPAN} spans, the sum of their {@code tokens}
   * attributes as SQLite's {@code CAST(… AS INTEGER)} reads them.
   */
  String rollUpColumns();
}
