package dev.swarm.pipeline.storage.postgres;

import dev.swarm.pipeline.config.EnvReader;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.util.Objects;

/**
 * The PostgreSQL backend's settings (STORAGE_BACKEND=postgres), read and checked in one place.
 *
 * @param connect where and as whom to connect, from POSTGRES_URL
 *     ({@code postgresql://user:password@host:port/database}, libpq's URI form; {@code ?sslmode=require} and the
 *     other parameters vertx-pg-client reads are honoured)
 * @param poolSize POSTGRES_POOL_SIZE: connections this process opens at most for the query API's reads (as they are
 *     needed); a writing process opens two more, the writer's and the partition upkeep's
 * @param partitionDaysAhead day partitions kept made ahead of today (so a write never lands in the DEFAULT
 *     partition because midnight passed)
 */
public record PostgresConfig(PgConnectOptions connect, int poolSize, int partitionDaysAhead) {

  public static final int DEFAULT_POOL_SIZE = 8;
  public static final int DEFAULT_PARTITION_DAYS_AHEAD = 3;

  public PostgresConfig {
    Objects.requireNonNull(connect, "connect");
    if (poolSize < 1 || partitionDaysAhead < 1) {
      throw new IllegalArgumentException("poolSize and partitionDaysAhead must be positive");
    }
  }

  /** A configuration for the database at {@code uri} with the default pool. */
  public static PostgresConfig of(String uri) {
    return new PostgresConfig(PgConnectOptions.fromUri(uri), DEFAULT_POOL_SIZE, DEFAULT_PARTITION_DAYS_AHEAD);
  }

  /** Reads POSTGRES_URL (required) and POSTGRES_POOL_SIZE; a problem is reported through {@code r}, naming the variable. */
  public static PostgresConfig fromEnv(EnvReader r) {
    int poolSize = r.integer("POSTGRES_POOL_SIZE", DEFAULT_POOL_SIZE, 1, 1000);
    String url = r.raw("POSTGRES_URL");
    if (url == null || url.isBlank()) {
      r.problem("STORAGE_BACKEND=postgres needs POSTGRES_URL=postgresql://user:password@host:port/database");
      return null;
    }
    PgConnectOptions connect;
    try {
      connect = PgConnectOptions.fromUri(url.strip());
    } catch (RuntimeException e) {
      // The message may quote the URL, and with it the password: name the form instead.
      r.problem("POSTGRES_URL is not a PostgreSQL URI of the form postgresql://user:password@host:port/database ("
          + e.getClass().getSimpleName() + ")");
      return null;
    }
    if (connect.getDatabase() == null || connect.getDatabase().isBlank()) {
      r.problem("POSTGRES_URL names no database: postgresql://user:password@host:port/database");
      return null;
    }
    return new PostgresConfig(connect, poolSize, DEFAULT_PARTITION_DAYS_AHEAD);
  }

  /**
   * {@code jdbc:postgresql://host:port/database?…} with the URI's TLS mode, for Flyway and the partition upkeep
   * (pgjdbc); the user and password go beside it ({@link #user()}, {@link #password()}), never into a logged URL.
   */
  public String jdbcUrl() {
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostForUrl()).append(':').append(connect.getPort())
        .append('/').append(java.net.URLEncoder.encode(connect.getDatabase(), java.nio.charset.StandardCharsets.UTF_8))
        .append("?ApplicationName=trace-pipeline");
    SslMode ssl = connect.getSslMode();
    if (ssl != null && ssl != SslMode.DISABLE) {
      url.append("&sslmode=").append(ssl.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }
    return url.toString();
  }

  public String user() {
    return connect.getUser();
  }

  public String password() {
    return connect.getPassword();
  }

  /** A new pgjdbc connection (auto-commit on). */
  public java.sql.Connection connectJdbc() throws java.sql.SQLException {
    java.util.Properties p = new java.util.Properties();
    if (user() != null) {
      p.setProperty("user", user());
    }
    if (password() != null) {
      p.setProperty("password", password());
    }
    return java.sql.DriverManager.getConnection(jdbcUrl(), p);
  }

  /** {@code host:port/database}, for logs and readiness messages: never the user or the password. */
  public String describe() {
    return hostForUrl() + ":" + connect.getPort() + "/" + connect.getDatabase();
  }

  @Override
  public String toString() {
    return "PostgresConfig[" + describe() + ", poolSize=" + poolSize + "]"; // no password in any log
  }

  private String hostForUrl() {
    String host = connect.getHost();
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
