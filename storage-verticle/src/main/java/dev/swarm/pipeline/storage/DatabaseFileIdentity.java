package dev.swarm.pipeline.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Which file the database path named when storage opened it (device and inode). SQLite keeps writing to an open
 * file that was deleted or replaced under it, and commits succeed: storage would then commit Kafka offsets for
 * rows nobody can ever read. The writer checks this before and after every transaction instead. Blocking file
 * I/O (one stat): call from a worker.
 */
public final class DatabaseFileIdentity {

  /** The database file is not the one storage opened. */
  public static final class ChangedException extends Exception {
    ChangedException(String message) {
      super(message);
    }
  }

  private final Path path;
  private final Object key;

  private DatabaseFileIdentity(Path path, Object key) {
    this.path = path;
    this.key = key;
  }

  /** Records the identity of the file at {@code path} now. */
  public static DatabaseFileIdentity of(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    return new DatabaseFileIdentity(path, key);
  }

  /** Returns normally while the path still names the same file; else says what happened to it. */
  public void verify() throws ChangedException {
    if (key == null) {
      return; // a filesystem without file keys: nothing to compare
    }
    Object now;
    try {
      now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      throw new ChangedException("the database file " + path + " was deleted while storage had it open; writes"
          + " are paused (nothing is acknowledged to Kafka): restore the file, or restart storage to create a new one"
          + " and replay what it had not committed");
    } catch (IOException e) {
      throw new ChangedException("cannot stat the database file " + path + ": " + e);
    }
    if (!key.equals(now)) {
      throw new ChangedException("the database file " + path + " was replaced by another file while storage had it"
          + " open; writes are paused (nothing is acknowledged to Kafka): restart storage to use the new file");
    }
  }
}
