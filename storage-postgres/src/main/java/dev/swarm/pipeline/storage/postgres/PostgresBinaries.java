package dev.swarm.pipeline.storage.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where the PostgreSQL server programs ({@code initdb}, {@code pg_ctl}, {@code postgres}) are: the folder named by
 * {@code POSTGRES_BIN_DIR}, else the highest version under Debian's {@code /usr/lib/postgresql/<version>/bin} (the
 * {@code postgresql} package puts them there and not on the PATH), else the PATH. None found: an
 * {@link IllegalStateException} naming the Debian package to install. Never a silent skip.
 */
public final class PostgresBinaries {

  /** Environment variable naming the folder of {@code initdb} and {@code pg_ctl}. */
  public static final String BIN_DIR_ENV = "POSTGRES_BIN_DIR";

  /** Debian's root of the versioned server folders. */
  public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

  /** The Debian package that provides the server. */
  public static final String DEBIAN_PACKAGE = "postgresql";

  private PostgresBinaries() {}

  /** The folder of the server programs on this machine. */
  public static Path locate() {
    return locate(System.getenv(), DEBIAN_ROOT);
  }

  /**
   * The folder of the server programs.
   *
   * @param env the environment ({@code POSTGRES_BIN_DIR}, {@code PATH})
   * @param debianRoot where versioned folders {@code <version>/bin} are looked for
   * @throws IllegalStateException when none is found, or {@code POSTGRES_BIN_DIR} names a folder without them
   */
  public static Path locate(Map<String, String> env, Path debianRoot) {
    String configured = env.get(BIN_DIR_ENV);
    if (configured != null && !configured.isBlank()) {
      Path dir = Path.of(configured);
      if (!hasServer(dir)) {
        throw new IllegalStateException(BIN_DIR_ENV + "=" + configured + " holds no executable initdb and pg_ctl;"
            + " point it at a PostgreSQL bin folder, or unset it to use Debian's package (apt-get install "
            + DEBIAN_PACKAGE + ")");
      }
      return dir;
    }
    Optional<Path> debian = highestDebianVersion(debianRoot);
    if (debian.isPresent()) {
      return debian.get();
    }
    String path = env.getOrDefault("PATH", "");
    for (String entry : path.split(File.pathSeparator)) {
      if (!entry.isEmpty() && hasServer(Path.of(entry))) {
        return Path.of(entry);
      }
    }
    throw new IllegalStateException("PostgreSQL is not installed: no initdb and pg_ctl in " + BIN_DIR_ENV
        + ", under " + debianRoot + "/*/bin or on the PATH. Install the Debian package: apt-get install "
        + DEBIAN_PACKAGE + " (bin/test does it), or set " + BIN_DIR_ENV + " to a PostgreSQL bin folder");
  }

  /** The {@code <version>/bin} folder with the highest numeric version that holds the server programs. */
  static Optional<Path> highestDebianVersion(Path debianRoot) {
    if (!Files.isDirectory(debianRoot)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(debianRoot)) {
      List<Path> candidates = versions
          .filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)*"))
          .filter(v -> hasServer(v.resolve("bin")))
          .sorted(Comparator.comparing((Path v) -> v.getFileName().toString(), PostgresBinaries::compareVersions)
              .reversed())
          .collect(Collectors.toList());
      return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(0).resolve("bin"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Compares dotted numeric versions number by number ("9.6" &lt; "15" &lt; "16"). */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      long p = i < x.length ? Long.parseLong(x[i]) : 0;
      long q = i < y.length ? Long.parseLong(y[i]) : 0;
      if (p != q) {
        return Long.compare(p, q);
      }
    }
    return 0;
  }

  private static boolean hasServer(Path dir) {
    return Files.isExecutable(dir.resolve("pg_ctl")) && Files.isExecutable(dir.resolve("initdb"));
  }
}
