package dev.swarm.pipeline.storage;

import dev.swarm.pipeline.schema.Timestamps;
import dev.swarm.pipeline.storage.compat.ServiceIndex;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Deletes whole traces — span rows, summary, service index rows — in small steps on the writer's connection:
 * those storage last wrote longer ago than the retention, and, while the pages in use exceed the size bound, the
 * least recently written ones. Age is {@code trace_summaries.updated_at} (set by every write of the trace), never a
 * span timestamp, so a client with a wrong clock loses nothing early.
 *
 * <p>Each step is one transaction; the number of traces per step adapts so a step takes about
 * {@link RetentionConfig#stepTargetMs()}. Free pages beyond {@link RetentionConfig#freeSlackBytes()} are given back
 * to the filesystem on files created with {@code auto_vacuum=INCREMENTAL}. WAL readers are never blocked. Not
 * thread-safe: the storage verticle runs one step at a time, between write batches.
 */
public final class TraceRetention {

  /** What one step did and saw. */
  public record Step(int traces, long spans, boolean more, long usedBytes, long fileBytes, long freeBytes,
      Long oldestWriteMillis, long elapsedMs, boolean overSize) {}

  static final int MIN_STEP_TRACES = 8;
  static final int MAX_STEP_TRACES = 20_000;
  static final int INITIAL_STEP_TRACES = 256;
  /** Pages given back per vacuum step at most (8 MiB at 32 KiB pages): moving pages is the writer's time too. */
  static final int MAX_VACUUM_PAGES_PER_STEP = 256;

  // A trace is (trace_id, tenant_id) since V7: every statement names both.
  static final String EXPIRED =
      "SELECT trace_id, tenant_id FROM trace_summaries WHERE updated_at < ? ORDER BY updated_at LIMIT ?";
  static final String LEAST_RECENT = "SELECT trace_id, tenant_id FROM trace_summaries ORDER BY updated_at LIMIT ?";
  static final String SPANS_OF = "SELECT trace_id, start_time, attributes, tenant_id FROM agent_traces"
      + " WHERE (trace_id, tenant_id) IN (" + TraceKey.SQL_KEYS + ")";
  static final String DELETE_TRACE_SERVICE = "DELETE FROM trace_services WHERE service_name = ? AND start_time = ?"
      + " AND trace_id = ? AND tenant_id = ?";
  static final String DELETE_SPANS =
      "DELETE FROM agent_traces WHERE (trace_id, tenant_id) IN (" + TraceKey.SQL_KEYS + ")";
  static final String DELETE_SUMMARIES =
      "DELETE FROM trace_summaries WHERE (trace_id, tenant_id) IN (" + TraceKey.SQL_KEYS + ")";
  static final String OLDEST_WRITE = "SELECT min(updated_at) FROM trace_summaries";

  private final RetentionConfig config;
  private final LongSupplier clock;
  private int stepTraces = INITIAL_STEP_TRACES;
  private boolean shrinking; // over the high-water mark, until under the low-water mark
  private int pageSize;

  /** @param clock wall-clock milliseconds (System::currentTimeMillis outside tests) */
  public TraceRetention(RetentionConfig config, LongSupplier clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public RetentionConfig config() {
    return config;
  }

  /** Traces the next step may delete at most (adapts to the step time). */
  int stepTraces() {
    return stepTraces;
  }

  /** One deletion step, inside the caller's transaction on the writer's connection. */
  public Future<Step> step(SqlConnection conn) {
    long started = System.nanoTime();
    long now = clock.getAsLong();
    return pages(conn).compose(before -> {
      long used = before.usedBytes();
      shrinking = config.maxBytes() > 0
          && (used > config.highWaterBytes() || (shrinking && used > config.lowWaterBytes()));
      int limit = stepTraces;
      Future<RowSet<Row>> chosen;
      if (shrinking) {
        chosen = conn.preparedQuery(LEAST_RECENT).execute(Tuple.of(limit));
      } else if (config.maxAgeMillis() > 0) {
        chosen = conn.preparedQuery(EXPIRED).execute(Tuple.of(Timestamps.formatIso(now - config.maxAgeMillis()), limit));
      } else {
        chosen = Future.succeededFuture(null);
      }
      boolean overSize = shrinking;
      return chosen.compose(rows -> {
        List<TraceKey> ids = new ArrayList<>();
        if (rows != null) {
          for (Row r : rows) {
            ids.add(new TraceKey(r.getString(0), r.getString(1)));
          }
        }
        Future<Long> deleted = ids.isEmpty() ? Future.succeededFuture(0L) : delete(conn, ids);
        return deleted.compose(spans -> pages(conn).compose(after -> oldestWrite(conn).map(oldest -> {
          long elapsed = (System.nanoTime() - started) / 1_000_000;
          adapt(ids.size(), limit, elapsed);
          // More to do: a full step (there may be more expired traces), or still over the size bound.
          boolean more = !ids.isEmpty() && (ids.size() == limit || overSize);
          return new Step(ids.size(), spans, more, after.usedBytes(), after.fileBytes(), after.freeBytes(), oldest,
              elapsed, overSize);
        })));
      });
    });
  }

  /**
   * Gives free pages beyond the slack back to the filesystem, at most {@link #MAX_VACUUM_PAGES_PER_STEP}; returns
   * the bytes given back (0 when none). Only files created with {@code auto_vacuum=INCREMENTAL} can.
   */
  public Future<Long> vacuum(SqlConnection conn) {
    return conn.query("PRAGMA auto_vacuum").execute().compose(mode -> {
      if (mode.iterator().next().getInteger(0) != 2) {
        return Future.succeededFuture(0L);
      }
      return pages(conn).compose(p -> {
        long excess = (p.freeBytes() - config.freeSlackBytes()) / pageSize;
        if (excess <= 0) {
          return Future.succeededFuture(0L);
        }
        int n = (int) Math.min(excess, MAX_VACUUM_PAGES_PER_STEP);
        // incremental_vacuum frees one page per sqlite3_step, and the client steps it once (measured: one page per
        // execution whatever N says), so it runs n times, each one round trip to the writer's worker.
        Future<?> freed = Future.succeededFuture();
        for (int i = 0; i < n; i++) {
          freed = freed.compose(v -> conn.query("PRAGMA incremental_vacuum(1)").execute());
        }
        return freed.compose(ignored -> pages(conn)).map(after -> Math.max(0, p.fileBytes() - after.fileBytes()));
      });
    });
  }

  private Future<Long> delete(SqlConnection conn, List<TraceKey> ids) {
    Tuple idsParam = Tuple.of(TraceKey.json(ids));
    return conn.preparedQuery(SPANS_OF).execute(idsParam)
        .compose(spans -> {
          // trace_services rows are keyed (service, start of that service's earliest span in a written batch,
          // trace): every span's (service, start) is a candidate key, so every row of the trace goes.
          Set<List<String>> keys = new LinkedHashSet<>();
          for (Row r : spans) {
            keys.add(List.of(ServiceIndex.serviceOf(r.getString(2)), r.getString(1), r.getString(0), r.getString(3)));
          }
          List<Tuple> batch = new ArrayList<>(keys.size());
          for (List<String> k : keys) {
            batch.add(Tuple.of(k.get(0), k.get(1), k.get(2), k.get(3)));
          }
          return batch.isEmpty() ? Future.succeededFuture() : conn.preparedQuery(DELETE_TRACE_SERVICE).executeBatch(batch);
        })
        .compose(v -> conn.preparedQuery(DELETE_SPANS).execute(idsParam))
        .compose(spanRows -> conn.preparedQuery(DELETE_SUMMARIES).execute(idsParam)
            .map(ignored -> (long) spanRows.rowCount()));
  }

  private void adapt(int deleted, int limit, long elapsedMs) {
    if (elapsedMs > config.stepTargetMs()) {
      stepTraces = Math.max(MIN_STEP_TRACES, limit / 2);
    } else if (deleted == limit && elapsedMs * 2 < config.stepTargetMs()) {
      stepTraces = Math.min(MAX_STEP_TRACES, limit * 2);
    }
  }

  private Future<Long> oldestWrite(SqlConnection conn) {
    return conn.query(OLDEST_WRITE).execute().map(rows -> {
      String oldest = rows.iterator().next().getString(0);
      return oldest == null ? null : Timestamps.parseIso(oldest);
    });
  }

  private record Pages(long usedBytes, long fileBytes, long freeBytes) {}

  private Future<Pages> pages(SqlConnection conn) {
    Future<Integer> size = pageSize > 0 ? Future.succeededFuture(pageSize)
        : conn.query("PRAGMA page_size").execute().map(r -> pageSize = r.iterator().next().getInteger(0));
    return size.compose(ps -> conn.query("PRAGMA page_count").execute()
        .compose(count -> conn.query("PRAGMA freelist_count").execute().map(free -> {
          long pages = count.iterator().next().getLong(0);
          long freePages = free.iterator().next().getLong(0);
          return new Pages((pages - freePages) * ps, pages * ps, freePages * ps);
        })));
  }
}
