package dev.swarm.pipeline.storage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One versioned SQL migration, named like {@code V2__trace_summaries.sql}.
 *
 * @param version applied in ascending order, each exactly once
 * @param description the part of the file name after {@code __}
 * @param sql the script; statements separated by {@code ;}
 */
public record Migration(int version, String description, String sql) {

  private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");

  public Migration {
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(sql, "sql");
    if (version <= 0) {
      throw new IllegalArgumentException("migration version must be positive: " + version);
    }
  }

  /** True for names of the form {@code V<n>__<words>.sql}. */
  public static boolean isMigrationFileName(String fileName) {
    return FILE_NAME.matcher(fileName).matches();
  }

  public static Migration fromFile(String fileName, String sql) {
    Matcher m = FILE_NAME.matcher(fileName);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a migration file name (V<n>__<name>.sql): " + fileName);
    }
    return new Migration(Integer.parseInt(m.group(1)), m.group(2), sql);
  }

  /** SHA-256 of the script, recorded when applied so a later edit of an applied file is caught. */
  public String checksum() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(sql.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
