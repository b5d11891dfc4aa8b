package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.storage.RetentionConfig;
import dev.swarm.pipeline.storage.RetentionSteps;
import dev.swarm.pipeline.storage.TraceRetention;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention and partition upkeep on PostgreSQL, as the storage writer's {@link RetentionSteps}: each step makes the
 * day partitions of today and the next days when the day changed, drops the days past TRACE_RETENTION, and while the
 * database is larger than STORAGE_MAX_BYTES drops the oldest day before today. Whole partitions go at once (no
 * row-by-row delete, no VACUUM debt), so the disk is given back immediately and a step never needs a vacuum.
 *
 * <p>A day is the spans' start time (UTC), the partition key, where SQLite's retention ages a trace by its last
 * write: a span is kept at least TRACE_RETENTION after it started, and at most a day more. Spans of a day that has no
 * partition (a client clock days off) are in the DEFAULT partition and kept TRACE_RETENTION after they were written,
 * as on SQLite ({@link PostgresPartitions#expiredInDefault}). Every writer process runs this; they take turns on the database's writer lock
 * ({@link PostgresPartitions}), so it does no harm that several do.
 *
 * <p>Plain JDBC on one connection of its own, reopened after a failure, on a worker of its own: DDL is rare and short
 * and a blocking client is simplest for it. Not for concurrent calls: the writer's schedule runs one step at a time.
 */
final class PostgresUpkeep implements RetentionSteps {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresUpkeep.class);

  private final PostgresConfig database;
  private final RetentionConfig config;
  private final WorkerExecutor worker;
  private final Clock clock;
  private final PostgresPartitions partitions = new PostgresPartitions();
  private Connection connection;
  private LocalDate madeAheadOn;

  PostgresUpkeep(PostgresConfig database, RetentionConfig config, WorkerExecutor worker, Clock clock) {
    this.database = Objects.requireNonNull(database, "database");
    this.config = Objects.requireNonNull(config, "config");
    this.worker = Objects.requireNonNull(worker, "worker");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public RetentionConfig config() {
    return config;
  }

  @Override
  public Future<TraceRetention.Step> step() {
    return worker.executeBlocking(() -> {
      try {
        return stepNow();
      } catch (SQLException | RuntimeException e) {
        closeConnection(); // a new one next time: the server may have restarted
        throw e;
      }
    }, false);
  }

  /** Dropping a partition gives its files back at once: nothing is left for a vacuum. */
  @Override
  public Future<Long> vacuum() {
    return Future.succeededFuture(0L);
  }

  /** Makes the partitions of today and the days ahead (at start, before the first write). Blocking. */
  void makeAhead() throws SQLException {
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    List<String> made = partitions.createAhead(connection(), today, database.partitionDaysAhead());
    if (!made.isEmpty()) {
      LOG.info("made the day partitions {}", made);
    }
    madeAheadOn = today;
  }

  /** Closes the upkeep's connection. Blocking. */
  void close() {
    closeConnection();
  }

  private TraceRetention.Step stepNow() throws SQLException {
    long started = System.nanoTime();
    Instant now = clock.instant();
    LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
    if (!today.equals(madeAheadOn)) {
      makeAhead();
    }
    Connection c = connection();
    long traces = 0;
    long spans = 0;
    if (config.maxAgeMillis() > 0) {
      Instant cutoff = now.minusMillis(config.maxAgeMillis());
      long[] doomed = doomed(c, cutoff);
      List<String> dropped = partitions.dropOlderThan(c, cutoff);
      traces += doomed[0];
      spans += doomed[1];
      if (!dropped.isEmpty()) {
        LOG.info("retention dropped {} (days before {}, TRACE_RETENTION)", dropped, cutoff);
      }
    }
    long used = databaseBytes(c);
    boolean overSize = config.maxBytes() > 0 && used > config.maxBytes();
    boolean more = false;
    if (overSize) {
      Instant oldestDayEnd = oldestDayEnd(c, today.atStartOfDay(ZoneOffset.UTC).toInstant());
      if (oldestDayEnd != null) {
        long[] doomed = doomed(c, oldestDayEnd);
        List<String> dropped = partitions.dropOlderThan(c, oldestDayEnd);
        traces += doomed[0];
        spans += doomed[1];
        LOG.warn("the database holds {} bytes, over STORAGE_MAX_BYTES={}: dropped the oldest day {}", used,
            config.maxBytes(), dropped);
        used = databaseBytes(c);
        more = used > config.maxBytes() && oldestDayEnd(c, today.atStartOfDay(ZoneOffset.UTC).toInstant()) != null;
      }
    }
    Instant oldest = oldestStart(c);
    long elapsed = (System.nanoTime() - started) / 1_000_000;
    return new TraceRetention.Step((int) Math.min(Integer.MAX_VALUE, traces), spans, more, used, used, 0,
        oldest == null ? null : oldest.toEpochMilli(), elapsed, overSize);
  }

  /** Traces and spans that a drop at {@code cutoff} removes: counted before, for the metrics. */
  private static long[] doomed(Connection c, Instant cutoff) throws SQLException {
    return new long[] {rowsBefore(c, "trace_summaries", cutoff), rowsBefore(c, "agent_traces", cutoff)};
  }

  private static long rowsBefore(Connection c, String table, Instant cutoff) throws SQLException {
    long rows = 0;
    for (PostgresPartitions.Partition p : PostgresPartitions.partitions(c, table)) {
      if (p.isDefault()) {
        rows += count(c, "SELECT count(*) FROM " + p.name() + " t WHERE " + PostgresPartitions.expiredInDefault(table),
            cutoff);
      } else if (p.to() != null && !p.to().isAfter(cutoff)) {
        rows += count(c, "SELECT count(*) FROM " + p.name(), null);
      }
    }
    return rows;
  }

  /** The end of the oldest day partition of trace_summaries that ends at or before {@code notAfter}, else null. */
  private static Instant oldestDayEnd(Connection c, Instant notAfter) throws SQLException {
    for (PostgresPartitions.Partition p : PostgresPartitions.partitions(c, "trace_summaries")) {
      if (!p.isDefault() && p.to() != null && p.from() != Instant.MIN && !p.to().isAfter(notAfter)) {
        return p.to();
      }
    }
    return null;
  }

  /**
   * The start of the oldest stored trace as far as the partitions tell cheaply: the DEFAULT partition's earliest
   * row, or the start of the first day partition holding a row. Null when empty.
   */
  private static Instant oldestStart(Connection c) throws SQLException {
    Instant oldest = null;
    for (PostgresPartitions.Partition p : PostgresPartitions.partitions(c, "trace_summaries")) {
      if (p.isDefault()) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT min(start_time) FROM " + p.name())) {
          rs.next();
          OffsetDateTime min = rs.getObject(1, OffsetDateTime.class);
          oldest = min == null ? null : min.toInstant();
        }
      } else if (p.from() != Instant.MIN) {
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + p.name() + ")")) {
          rs.next();
          if (rs.getBoolean(1)) {
            return oldest == null || p.from().isBefore(oldest) ? p.from() : oldest;
          }
        }
      }
    }
    return oldest;
  }

  private static long databaseBytes(Connection c) throws SQLException {
    return count(c, "SELECT pg_database_size(current_database())", null);
  }

  private static long count(Connection c, String sql, Instant param) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (param != null) {
        ps.setObject(1, OffsetDateTime.ofInstant(param, ZoneOffset.UTC));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = database.connectJdbc();
    }
    return connection;
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // gone already
      }
      connection = null;
    }
  }
}
