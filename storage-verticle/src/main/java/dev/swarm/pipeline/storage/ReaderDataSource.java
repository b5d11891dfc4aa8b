package dev.swarm.pipeline.storage;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
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

  /** Starts the clock whenever a statement is created or prepared; passes everything through. */
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
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
