package dev.swarm.pipeline.storage.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The day partitions of the partitioned tables ({@link PostgresSchema#PARTITIONED_TABLES}): one per UTC day,
 * {@code <table>_pYYYYMMDD} holding {@code [day 00:00Z, next day 00:00Z)} of the start time. {@link #createAhead}
 * makes today's and the next days' (idempotent); {@link #dropOlderThan} drops whole partitions that end at or before
 * a retention cutoff and deletes the rows written before it from the DEFAULT partitions.
 *
 * <p>Plain JDBC, blocking: run it on a worker thread (at start, then daily, between write batches). Each call runs in
 * its own transaction per table with {@code lock_timeout} set, because creating or dropping a partition takes an
 * ACCESS EXCLUSIVE lock on the parent: waiting behind a long query there would stall every writer and reader queued
 * behind it. A call that times out throws, changes nothing for that table, and can simply run again later.
 */
public final class PostgresPartitions {

  /** One partition of a table: a day range, or the DEFAULT partition ({@code from} and {@code to} null). */
  public record Partition(String name, Instant from, Instant to) {
    public boolean isDefault() {
      return from == null && to == null;
    }
  }

  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

  // The bounds as PostgreSQL prints them, cast back to timestamptz (the literal carries its offset, so the session's
  // time zone does not matter). MINVALUE/MAXVALUE bounds give NULL, as does the DEFAULT partition.
  private static final String PARTITIONS = "SELECT c.relname, b[1]::timestamptz, b[2]::timestamptz,"
      + " pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"
      + " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      + " LEFT JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),"
      + " 'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)') b ON true"
      + " WHERE i.inhparent = ?::regclass ORDER BY 2 NULLS FIRST, 1";

  private final List<String> tables;
  private final Duration lockTimeout;

  /** The tables of V1, with a 5 s lock timeout. */
  public PostgresPartitions() {
    this(PostgresSchema.PARTITIONED_TABLES, Duration.ofSeconds(5));
  }

  public PostgresPartitions(List<String> tables, Duration lockTimeout) {
    for (String t : tables) {
      if (!t.matches("[a-z_][a-z0-9_]*")) {
        throw new IllegalArgumentException("not a plain table name: " + t);
      }
    }
    this.tables = List.copyOf(tables);
    this.lockTimeout = Objects.requireNonNull(lockTimeout, "lockTimeout");
  }

  /** {@code agent_traces_p20261127}. */
  public static String partitionName(String table, LocalDate day) {
    return table + "_p" + DAY.format(day);
  }

  /** Today's partitions and those of the next {@code daysAhead} days (UTC), for every table. */
  public List<String> createAhead(Connection c, Clock clock, int daysAhead) throws SQLException {
    return createAhead(c, LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC), daysAhead);
  }

  /**
   * The partitions of {@code today} and of the {@code daysAhead} days after it, for every table. Days already covered
   * by a partition (of this name or another) are left alone. Rows of such a day that the DEFAULT partition holds are
   * moved into the new partition in the same transaction (PostgreSQL would refuse to create it otherwise).
   *
   * @return the partitions made now, in order (empty when all existed)
   */
  public List<String> createAhead(Connection c, LocalDate today, int daysAhead) throws SQLException {
    if (daysAhead < 0) {
      throw new IllegalArgumentException("daysAhead must be >= 0: " + daysAhead);
    }
    return create(c, today, today.plusDays(daysAhead));
  }

  /** The partitions of every day from {@code first} to {@code last}, both included, for every table. */
  public List<String> create(Connection c, LocalDate first, LocalDate last) throws SQLException {
    List<String> made = new ArrayList<>();
    for (String table : tables) {
      inTransaction(c, () -> {
        List<Partition> existing = partitions(c, table);
        Partition fallback = existing.stream().filter(Partition::isDefault).findFirst().orElse(null);
        for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
          Instant from = day.atStartOfDay(ZoneOffset.UTC).toInstant();
          Instant to = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
          if (existing.stream().anyMatch(p -> !p.isDefault() && overlaps(p, from, to))) {
            continue;
          }
          String name = partitionName(table, day);
          createDay(c, table, name, from, to, fallback);
          made.add(name);
        }
      });
    }
    return made;
  }

  private static void createDay(Connection c, String table, String name, Instant from, Instant to,
      Partition fallback) throws SQLException {
    String create = "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF " + table + " FOR VALUES FROM ('"
        + literal(from) + "') TO ('" + literal(to) + "')";
    boolean move = fallback != null && defaultHolds(c, fallback.name(), from, to);
    try (Statement s = c.createStatement()) {
      if (!move) {
        s.execute(create);
        return;
      }
      // The DEFAULT partition holds rows of this day: park them, make the partition, put them back (they land in it).
      s.execute("CREATE TEMP TABLE partition_move (LIKE " + table + ") ON COMMIT DROP");
      s.execute("WITH moved AS (DELETE FROM " + fallback.name() + " WHERE start_time >= '" + literal(from)
          + "' AND start_time < '" + literal(to) + "' RETURNING *) INSERT INTO partition_move SELECT * FROM moved");
      s.execute(create);
      s.execute("INSERT INTO " + table + " SELECT * FROM partition_move");
      s.execute("DROP TABLE partition_move");
    }
  }

  private static boolean defaultHolds(Connection c, String defaultPartition, Instant from, Instant to)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT EXISTS (SELECT 1 FROM " + defaultPartition + " WHERE start_time >= ? AND start_time < ?)")) {
      ps.setObject(1, OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
      ps.setObject(2, OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Drops the partitions that end at or before {@code now - retention}; see {@link #dropOlderThan(Connection, Instant)}. */
  public List<String> dropOlderThan(Connection c, Clock clock, Duration retention) throws SQLException {
    return dropOlderThan(c, clock.instant().minus(retention));
  }

  /**
   * Drops every day partition whose range ends at or before {@code cutoff} (all its rows started before it), and
   * deletes the rows that started before {@code cutoff} from the DEFAULT partitions. The partition holding the cutoff
   * itself stays whole: retention keeps at least {@code now - cutoff}, and up to a day more.
   *
   * @return the partitions dropped, in order
   */
  public List<String> dropOlderThan(Connection c, Instant cutoff) throws SQLException {
    List<String> dropped = new ArrayList<>();
    for (String table : tables) {
      inTransaction(c, () -> {
        for (Partition p : partitions(c, table)) {
          if (p.isDefault()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + p.name() + " t WHERE " + expiredInDefault(table))) {
              ps.setObject(1, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
              ps.executeUpdate();
            }
          } else if (p.to() != null && !p.to().isAfter(cutoff)) {
            try (Statement s = c.createStatement()) {
              s.execute("DROP TABLE " + p.name());
            }
            dropped.add(p.name());
          }
        }
      });
    }
    return dropped;
  }

  /**
   * Which rows of a DEFAULT partition are past the cutoff ({@code ?}). Those rows started on a day without a partition:
   * a client clock days off, or spans replayed from long ago. Aged by their start they would be deleted within a step
   * of being acknowledged; so they are aged by when they were written, as SQLite's retention ages every trace: span
   * rows by {@code created_at}, summaries by {@code updated_at}, and a service index row once it is older than the
   * cutoff and its trace has no summary left. Rows of a day partition go with their day.
   */
  static String expiredInDefault(String table) {
    return switch (table) {
      case "agent_traces" -> "t.created_at < ?";
      case "trace_summaries" -> "t.updated_at < ?";
      case "trace_services" -> "t.start_time < ? AND NOT EXISTS (SELECT 1 FROM trace_summaries s"
          + " WHERE s.trace_id = t.trace_id AND s.tenant_id = t.tenant_id)";
      default -> "t.start_time < ?";
    };
  }

  /** The partitions of {@code table}: DEFAULT first, then by start. */
  public static List<Partition> partitions(Connection c, String table) throws SQLException {
    List<Partition> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(PARTITIONS)) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OffsetDateTime from = rs.getObject(2, OffsetDateTime.class);
          OffsetDateTime to = rs.getObject(3, OffsetDateTime.class);
          boolean isDefault = rs.getBoolean(4);
          if (!isDefault && (from == null || to == null)) {
            // MINVALUE / MAXVALUE bound: not a day partition; never dropped, but counted as overlapping everything.
            out.add(new Partition(rs.getString(1), from == null ? Instant.MIN : from.toInstant(),
                to == null ? Instant.MAX : to.toInstant()));
            continue;
          }
          out.add(new Partition(rs.getString(1), isDefault ? null : from.toInstant(), isDefault ? null : to.toInstant()));
        }
      }
    }
    return out;
  }

  private static boolean overlaps(Partition p, Instant from, Instant to) {
    return p.from().isBefore(to) && from.isBefore(p.to());
  }

  private static String literal(Instant instant) {
    // '2026-11-27 00:00:00+00': an instant whatever the session's time zone.
    return DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss'+00'").format(instant.atOffset(ZoneOffset.UTC));
  }

  private interface Work {
    void run() throws SQLException;
  }

  private void inTransaction(Connection c, Work work) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      try (Statement s = c.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
        // The whole database's writer lock, exclusively: no batch is in a transaction while partitions change (DDL
        // and a batch's row locks never wait on each other in a cycle), and two processes keeping partitions take
        // turns (the second sees what the first made).
        s.execute(PostgresTraceWriter.WHOLE_DATABASE);
      }
      work.run();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }
}
