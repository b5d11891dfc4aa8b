package dev.swarm.pipeline.app.auth;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code trace-pipeline token create --tenant ID --scopes write[,read,admin] [--file F]}: makes a random token
 * (256 bits), prints it once on stdout and appends only its SHA-256 to the tokens file ({@code --file}, else
 * {@code AUTH_TOKENS_FILE}), creating the file (readable by its owner only) when missing. A running pipeline reads
 * the file again within a second.
 */
public final class TokenCommand {
  private TokenCommand() {}

  public static final String USAGE = """
      usage: trace-pipeline token create --tenant ID --scopes SCOPES [--file F]
      Prints a new random token once and appends its SHA-256 (never the token) to the tokens file: --file, else
      AUTH_TOKENS_FILE; a running pipeline picks it up within a second. --tenant is a tenant id (letters, digits,
      '.', '_', '-'; at most 150 bytes): its token writes spans as that tenant (--scopes write). Or '*' with
      --scopes write,read,admin: a token that writes any tenant and reads everything (the UI, Grafana).
      Reads are not yet limited to one tenant, so only a '*' token may have the read scope.
      """;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Runs the command; returns the process exit code (0, or 2 for a usage or file problem). */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.length < 2 || !args[1].equals("create")) {
      (args.length >= 2 && (args[1].equals("--help") || args[1].equals("-h")) ? out : err).print(USAGE);
      return args.length >= 2 && (args[1].equals("--help") || args[1].equals("-h")) ? 0 : 2;
    }
    String tenant = null;
    String scopesText = null;
    String file = env.get("AUTH_TOKENS_FILE");
    for (int i = 2; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        out.print(USAGE);
        return 0;
      }
      if (i + 1 >= args.length || !Set.of("--tenant", "--scopes", "--file").contains(a)) {
        err.print("trace-pipeline token: bad argument " + a + "\n" + USAGE);
        return 2;
      }
      String value = args[++i];
      switch (a) {
        case "--tenant" -> tenant = value;
        case "--scopes" -> scopesText = value;
        default -> file = value;
      }
    }
    if (tenant == null || scopesText == null || file == null || file.isBlank()) {
      err.print("trace-pipeline token: --tenant, --scopes and --file (or AUTH_TOKENS_FILE) are needed\n" + USAGE);
      return 2;
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String s : scopesText.split(",")) {
      Scope scope = Scope.fromWire(s.strip());
      if (scope == null) {
        err.println("trace-pipeline token: unknown scope '" + s.strip() + "' (known: write, read, admin)");
        return 2;
      }
      scopes.add(scope);
    }
    Path path = Path.of(file);
    try {
      TokenFile current = Files.exists(path) ? TokenFile.parse(Files.readString(path)) : TokenFile.empty();
      String token = newToken();
      String text = current.withToken(new TokenFile.Token(TokenFile.sha256Hex(token), tenant, scopes));
      TokenFile.parse(text); // the tenant and scopes follow the same rules as the file's other entries
      write(path, text);
      out.println(token);
      err.println("token for tenant " + tenant + " (" + scopesText + ") added to " + path
          + "; this is the only time it is shown");
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("trace-pipeline token: " + path + ": " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("trace-pipeline token: cannot write " + path + ": " + e);
      return 2;
    }
  }

  /** 256 random bits, base64url without padding (43 characters). */
  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Replaces the file in one step (a reader never sees half of it); a new file is readable by its owner only. */
  private static void write(Path path, String text) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".tokens", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, Files.exists(path) ? Files.getPosixFilePermissions(path)
            : PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // keep the platform's default
      }
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
