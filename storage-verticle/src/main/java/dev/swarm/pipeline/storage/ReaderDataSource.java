package dev.swarm.pipeline.storage;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

/**
 * Connections for the query API: {@code PRAGMA query_only=ON}, and a per-statement time limit. A SQLite
 * progress handler interrupts the running statement once the limit has passed since the statement was prepared
 * (the pool prepares a statement for every query, right before running it).
 */
final class ReaderDataSource implements DataSource {

  /** SQLite virtual-machine steps between deadline checks: cheap, and still a check every few microseconds. */
  private static final int CHECK_EVERY_VM_STEPS = 10_000;

  private final SQLiteDataSource sqlite;
  private final long queryTimeoutNanos;

  ReaderDataSource(SQLiteDataSource sqlite, long queryTimeoutMs) {
    if (queryTimeoutMs <= 0) {
      throw new IllegalArgumentException("query timeout must be positive: " + queryTimeoutMs);
    }
    this.sqlite = sqlite;
    this.queryTimeoutNanos = queryTimeoutMs * 1_000_000L;
  }

  @Override
  public Connection getConnection() throws SQLException {
    SQLiteConnection connection = sqlite.getConnection(null, null);
    Deadline deadline = new Deadline();
    try {
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA query_only=ON");
      }
      ProgressHandler.setHandler(connection, CHECK_EVERY_VM_STEPS, deadline);
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        new StatementTimer(connection, deadline, queryTimeoutNanos));
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return getConnection();
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  /** Interrupts the statement once the deadline has passed; runs on the thread stepping the statement. */
  private static final class Deadline extends ProgressHandler {
    volatile long atNanos = Long.MAX_VALUE;

    @Override
    protected int progress() {
      return System.nanoTime() - atNanos > 0 ? 1 : 0;
    }
  }

  /**
   * Starts the clock whenever a statement is created or prepared; passes everything through, prepared statements
   * with result sets whose metadata answers are remembered ({@link ResultSets}).
   */
  private static final class StatementTimer implements InvocationHandler {
    private final Connection target;
    private final Deadline deadline;
    private final long timeoutNanos;

    StatementTimer(Connection target, Deadline deadline, long timeoutNanos) {
      this.target = target;
      this.deadline = deadline;
      this.timeoutNanos = timeoutNanos;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("prepareStatement") || name.equals("createStatement") || name.equals("prepareCall")) {
        deadline.atNanos = System.nanoTime() + timeoutNanos;
      }
      Object result = call(target, method, args);
      return name.equals("prepareStatement") && result instanceof PreparedStatement ps
          ? wrap(PreparedStatement.class, ps, new ResultSets(ps)) : result;
    }
  }

  private static Object call(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static <T> T wrap(Class<T> type, T target, InvocationHandler handler) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  /**
   * The result sets of a statement answer {@code getMetaData()} with a copy that remembers what it was asked.
   * The Vert.x JDBC client asks a result's metadata for each column's type and type name once per cell, and
   * sqlite-jdbc computes the type name with a regular expression each time: a quarter of the CPU of reading a
   * 10,000-span trace went there (JFR, 15 reads). Remembered per result set, the answers are asked once per column.
   */
  private static final class ResultSets implements InvocationHandler {
    private final PreparedStatement target;

    ResultSets(PreparedStatement target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      Object result = call(target, method, args);
      return result instanceof ResultSet rs && (method.getName().equals("executeQuery")
          || method.getName().equals("getResultSet")) ? wrap(ResultSet.class, rs, new RememberedMetaData(rs)) : result;
    }
  }

  /**
   * True when the column is a table's column, whose declared type SQLite reports for every row. An expression's
   * type is that of the current row's value (a sum is NULL in one row and INTEGER in the next), so its answers are
   * never remembered.
   */
  private static boolean tableColumn(ResultSetMetaData real, Map<Integer, Boolean> known, int column)
      throws SQLException {
    Boolean is = known.get(column);
    if (is == null) {
      String table = real.getTableName(column);
      is = table != null && !table.isEmpty();
      known.put(column, is);
    }
    return is;
  }

  /** Passes a result set through, except that its metadata remembers the per-column answers of table columns. */
  private static final class RememberedMetaData implements InvocationHandler {
    private final ResultSet target;
    private ResultSetMetaData metaData;

    RememberedMetaData(ResultSet target) {
      this.target = target;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getName().equals("getMetaData") && (args == null || args.length == 0)) {
        if (metaData == null) {
          ResultSetMetaData real = target.getMetaData();
          Map<String, Object> answers = new HashMap<>();
          Map<Integer, Boolean> tableColumns = new HashMap<>();
          metaData = wrap(ResultSetMetaData.class, real, (p, m, a) -> {
            if (a != null && a.length == 1 && a[0] instanceof Integer column && tableColumn(real, tableColumns, column)) {
              String key = m.getName() + "#" + column;
              Object known = answers.get(key);
              if (known == null && !answers.containsKey(key)) {
                known = call(real, m, a);
                answers.put(key, known);
              }
              return known;
            }
            return call(real, m, a);
          });
        }
        return metaData;
      }
      return call(target, method, args);
    }
  }
}
