package dev.swarm.pipeline.storage.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real, throw-away PostgreSQL server for tests and benchmarks, from the installed server programs (see
 * {@link PostgresBinaries}): {@code initdb} into a new temporary folder, {@code pg_ctl start} on a free TCP port of
 * 127.0.0.1 (unix sockets in the same folder), a login role and a database for it; {@link #close()} stops the server
 * and deletes the folder.
 *
 * <p>PostgreSQL refuses to run as root: when the JVM runs as root, the programs run as the OS user {@code postgres}
 * (created by Debian's package) through {@code runuser -u postgres --}, and the folder belongs to that user; otherwise
 * they run as the current user. Readiness is awaited by polling a real connection until it succeeds, the server's log
 * says it stopped, or the start timeout passes (then the log is in the exception).
 *
 * <p>Durability is what the benchmarks measure, so {@code fsync}, {@code synchronous_commit} and
 * {@code full_page_writes} stay on; only {@code initdb} skips flushing the fresh catalog ({@code --no-sync}).
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.start()) {
 *   try (Connection c = pg.database().connect()) { ... }
 *   PgConnectOptions vertxOptions = PgConnectOptions.fromUri(pg.database().uri());
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {

  /** The superuser initdb creates. */
  public static final String SUPERUSER = "postgres";
  /** The OS user the programs run as when the JVM is root. */
  public static final String OS_USER = "postgres";
  public static final String HOST = "127.0.0.1";

  /** Settings written to postgresql.conf before the first start; a builder may override or add any. */
  public static Map<String, String> defaultSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("fsync", "on");
    s.put("synchronous_commit", "on");
    s.put("full_page_writes", "on");
    s.put("shared_buffers", "128MB");
    s.put("max_connections", "40");
    s.put("timezone", "UTC");
    s.put("log_timezone", "UTC");
    s.put("log_min_messages", "warning");
    return s;
  }

  /** A database on this server and the role that logs in to it. */
  public record Database(String host, int port, String name, String user, String password) {

    /** {@code jdbc:postgresql://host:port/name?user=…&password=…}: enough for {@code DriverManager} on its own. */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + name + "?user=" + user + "&password=" + password;
    }

    /** {@code postgresql://user:password@host:port/name}, as libpq and {@code PgConnectOptions.fromUri} read it. */
    public String uri() {
      return "postgresql://" + user + ":" + password + "@" + host + ":" + port + "/" + name;
    }

    /** A new JDBC connection (auto-commit on). */
    public Connection connect() throws SQLException {
      return DriverManager.getConnection(jdbcUrl());
    }
  }

  /**
   * A server for benchmarks and trying the PostgreSQL backend by hand ({@code bench/postgres-server}): starts one,
   * prints {@code POSTGRES_URL=…} and runs until stdin ends or the JVM is stopped, then deletes it all.
   *
   * @param args settings {@code name=value} over {@link #defaultSettings()}, e.g. {@code shared_buffers=1GB}
   */
  public static void main(String[] args) throws Exception {
    Builder b = builder();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        System.err.println("usage: postgres-server [setting=value …]");
        System.exit(2);
      }
      b.setting(a.substring(0, eq), a.substring(eq + 1));
    }
    try (PostgresServer server = b.start()) {
      System.out.println("POSTGRES_URL=" + server.database().uri());
      System.out.println("# PostgreSQL " + server.serverVersion() + " in " + server.directory()
          + "; stops and is deleted when stdin ends (Ctrl-D) or on SIGTERM");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A server with the default settings and a database {@code swarm} owned by role {@code swarm}. */
  public static PostgresServer start() {
    return builder().start();
  }

  /** How the server is made. */
  public static final class Builder {
    private final Map<String, String> settings = defaultSettings();
    private String databaseName = "swarm";
    private String user = "swarm";
    private Path binDir;
    private Path parentDir;
    private Duration startTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /** A postgresql.conf setting ({@code shared_buffers}, {@code "256MB"}); the value is written quoted. */
    public Builder setting(String name, String value) {
      if (!name.matches("[a-z_.]+")) {
        throw new IllegalArgumentException("not a setting name: " + name);
      }
      settings.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder database(String name) {
      this.databaseName = identifier(name);
      return this;
    }

    public Builder user(String name) {
      this.user = identifier(name);
      return this;
    }

    /** The folder of initdb and pg_ctl; default {@link PostgresBinaries#locate()}. */
    public Builder binDir(Path dir) {
      this.binDir = dir;
      return this;
    }

    /** Where the temporary folder is made; default {@code java.io.tmpdir}. */
    public Builder parentDir(Path dir) {
      this.parentDir = dir;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Makes, starts and awaits the server, then creates the role and the database. */
    public PostgresServer start() {
      PostgresServer server = new PostgresServer(this);
      try {
        server.boot();
        return server;
      } catch (RuntimeException | Error e) {
        try {
          server.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }

  private static final int PORT_ATTEMPTS = 3;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, String> settings;
  private final String databaseName;
  private final String user;
  private final Duration startTimeout;
  private final Path binDir;
  private final boolean asOsUser;
  private final Path dir;
  private final Path dataDir;
  private final Path logFile;
  private final String superPassword = secret();
  private final String userPassword = secret();
  private final Thread shutdownHook;
  private int port;
  private Database database;
  private boolean started;
  private boolean closed;
  private int logStart; // where the current start's lines begin in the log

  private PostgresServer(Builder b) {
    this.settings = new LinkedHashMap<>(b.settings);
    this.databaseName = b.databaseName;
    this.user = b.user;
    this.startTimeout = b.startTimeout;
    this.binDir = b.binDir != null ? b.binDir : PostgresBinaries.locate();
    this.asOsUser = isRoot();
    try {
      Path parent = b.parentDir != null ? b.parentDir : Path.of(System.getProperty("java.io.tmpdir"));
      this.dir = Files.createTempDirectory(parent, "postgres-");
      this.dataDir = dir.resolve("data");
      this.logFile = dir.resolve("server.log");
      if (asOsUser) {
        giveToOsUser(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the server's temporary folder", e);
    }
    this.shutdownHook = new Thread(this::close, "postgres-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The application role's database. */
  public Database database() {
    return database;
  }

  /** The superuser's connection to the {@code postgres} database (for tests that create or inspect). */
  public Database adminDatabase() {
    return new Database(HOST, port, "postgres", SUPERUSER, superPassword);
  }

  /** A new, empty database owned by the application role. */
  public Database createDatabase(String name) {
    String db = identifier(name);
    try (Connection c = adminDatabase().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db + " OWNER " + user);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + db + ": " + e.getMessage(), e);
    }
    return new Database(HOST, port, db, user, userPassword);
  }

  public int port() {
    return port;
  }

  /** The temporary folder: data directory, unix sockets and the server log; gone after {@link #close()}. */
  public Path directory() {
    return dir;
  }

  public Path logFile() {
    return logFile;
  }

  public Path binDir() {
    return binDir;
  }

  /** The server's log so far (empty when there is none). */
  public String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Stops the server as a crash would: {@code pg_ctl stop -m immediate}, every session cut, no shutdown checkpoint
   * (the next start replays the WAL). The data stays; {@link #restart()} starts it again on the same port.
   */
  public synchronized void crash() {
    if (!started) {
      return;
    }
    run(120, "pg_ctl", "-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "90", "stop");
    started = false;
  }

  /** Starts the server again after {@link #crash()}, on the same port and data, and awaits a connection. */
  public synchronized void restart() {
    if (closed || started) {
      throw new IllegalStateException(closed ? "closed" : "running");
    }
    logStart = log().length();
    run(60, "pg_ctl", "-D", dataDir.toString(), "-l", logFile.toString(), "-W", "start");
    started = true;
    awaitReady();
  }

  /** {@code server_version}, e.g. {@code 15.18 (Debian 15.18-0+deb12u1)}. */
  public String serverVersion() {
    try (Connection c = adminDatabase().connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void boot() {
    Path pwFile = dir.resolve("pwfile");
    try {
      Files.writeString(pwFile, superPassword + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
      if (asOsUser) {
        giveToOsUser(pwFile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(60, "initdb", "-D", dataDir.toString(), "-U", SUPERUSER, "--pwfile=" + pwFile, "--auth-local=trust",
        "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions");
    try {
      Files.delete(pwFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      port = freePort();
      writeConfig();
      run(60, "pg_ctl", "-D", dataDir.toString(), "-l", logFile.toString(), "-W", "start");
      started = true;
      try {
        awaitReady();
        last = null;
        break;
      } catch (PortTakenException e) {
        // Another process took the port between the probe and the bind: stop what is left and try another.
        last = e;
        stop();
      }
    }
    if (last != null) {
      throw last;
    }
    try (Connection c = adminDatabase().connect(); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + userPassword + "'");
      s.execute("CREATE DATABASE " + databaseName + " OWNER " + user);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the role and database: " + e.getMessage(), e);
    }
    database = new Database(HOST, port, databaseName, user, userPassword);
  }

  private void writeConfig() {
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.put("listen_addresses", HOST);
    all.put("port", Integer.toString(port));
    all.put("unix_socket_directories", dir.toString());
    StringBuilder conf = new StringBuilder("\n# PostgresServer (test harness), port attempt\n");
    for (Map.Entry<String, String> e : all.entrySet()) {
      conf.append(e.getKey()).append(" = '").append(e.getValue().replace("'", "''")).append("'\n");
    }
    try {
      // The last occurrence of a setting wins, so appending again on a port retry is fine.
      Files.writeString(dataDir.resolve("postgresql.conf"), conf, StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls a superuser connection until it opens; fails fast when the log says the server stopped. */
  private void awaitReady() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    String url = adminDatabase().jdbcUrl() + "&connectTimeout=2&loginTimeout=2";
    SQLException lastError = null;
    long pauseNanos = TimeUnit.MILLISECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      try (Connection c = DriverManager.getConnection(url)) {
        return;
      } catch (SQLException e) {
        lastError = e;
      }
      String whole = log();
      String log = whole.substring(Math.min(logStart, whole.length()));
      if (log.contains("database system is shut down") || log.contains("aborting startup")
          || log.contains("could not create any TCP/IP sockets")) {
        if (log.contains("Address already in use") || log.contains("could not create any TCP/IP sockets")) {
          throw new PortTakenException("port " + port + " was taken:\n" + log);
        }
        throw new IllegalStateException("PostgreSQL stopped while starting; its log:\n" + log);
      }
      LockSupport.parkNanos(pauseNanos);
      pauseNanos = Math.min(pauseNanos * 2, TimeUnit.MILLISECONDS.toNanos(100));
    }
    throw new IllegalStateException("PostgreSQL did not accept a connection on " + HOST + ":" + port + " within "
        + startTimeout + " (last error: " + (lastError == null ? "none" : lastError.getMessage()) + "); its log:\n"
        + log());
  }

  private static final class PortTakenException extends IllegalStateException {
    PortTakenException(String message) {
      super(message);
    }
  }

  /** Stops the server (fast shutdown: open sessions are ended) and deletes the folder. Safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // called from the hook itself
    }
    RuntimeException failure = null;
    try {
      stop();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      deleteTree(dir);
    } catch (IOException e) {
      UncheckedIOException u = new UncheckedIOException("cannot delete " + dir, e);
      if (failure != null) {
        failure.addSuppressed(u);
      } else {
        failure = u;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void stop() {
    if (!started) {
      return;
    }
    started = false;
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return; // never came up, or already gone
    }
    try {
      run(120, "pg_ctl", "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "90", "stop");
    } catch (IllegalStateException e) {
      // pg_ctl could not stop it in time: end the postmaster by its pid, which stops its children too.
      killPostmaster(pidFile);
    }
  }

  private static void killPostmaster(Path pidFile) {
    try {
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (!lines.isEmpty()) {
        long pid = Long.parseLong(lines.get(0).trim());
        ProcessHandle.of(pid).ifPresent(p -> {
          p.destroyForcibly();
          p.onExit().join();
        });
      }
    } catch (IOException | NumberFormatException e) {
      // nothing more to do: the folder is deleted next
    }
  }

  /** Runs one of the server programs (as the OS user when root), failing with its output when it fails. */
  private String run(int timeoutSeconds, String program, String... args) {
    List<String> command = new ArrayList<>();
    if (asOsUser) {
      command.addAll(List.of("runuser", "-u", OS_USER, "--"));
    }
    command.add(binDir.resolve(program).toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    // Client defaults from the caller's environment must not steer the programs elsewhere.
    Stream.of("PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE", "PGOPTIONS").forEach(pb.environment()::remove);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage()
          + (asOsUser ? " (as root the programs run through runuser, from util-linux)" : ""), e);
    }
    try {
      // pg_ctl start hands the server's output to the log file, so this stream ends when pg_ctl does.
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(program + " did not finish within " + timeoutSeconds + " s:\n" + output);
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "):\n"
            + output + (program.equals("pg_ctl") ? "\nserver log:\n" + log() : ""));
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + program, e);
    }
  }

  private static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static void giveToOsUser(Path path) throws IOException {
    UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal owner;
    GroupPrincipal group;
    try {
      owner = lookup.lookupPrincipalByName(OS_USER);
      group = lookup.lookupPrincipalByGroupName(OS_USER);
    } catch (IOException e) {
      throw new IllegalStateException("running as root, and there is no OS user '" + OS_USER + "' to run"
          + " PostgreSQL as (it refuses to run as root); the Debian package creates it: apt-get install "
          + PostgresBinaries.DEBIAN_PACKAGE, e);
    }
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    view.setOwner(owner);
    view.setGroup(group);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free TCP port on " + HOST, e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE; // a socket or lock file the server removed meanwhile
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static String secret() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String identifier(String name) {
    if (name == null || !name.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("use a lower-case SQL identifier: " + name);
    }
    return name;
  }
}
