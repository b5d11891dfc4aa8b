package dev.swarm.pipeline.app.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {
  @TempDir Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = TokenCommand.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void createPrintsATokenOnceAndStoresOnlyItsHash() throws Exception {
    Path file = dir.resolve("tokens.json");
    Run first = run(Map.of(), "token", "create", "--tenant", "acme", "--scopes", "write", "--file", file.toString());
    assertEquals(0, first.exit(), first.err());
    String token = first.out().strip();
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token); // 256 bits, base64url
    String stored = Files.readString(file);
    assertFalse(stored.contains(token), "the token itself is never written");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    TokenFile parsed = TokenFile.parse(stored);
    assertEquals("acme", parsed.find(token).tenant());
    assertEquals(Set.of(Scope.WRITE), parsed.find(token).scopes());

    // AUTH_TOKENS_FILE names the file when --file is not given; a second token is appended.
    Run second = run(Map.of("AUTH_TOKENS_FILE", file.toString()), "token", "create", "--tenant", "*", "--scopes",
        "write,read,admin");
    assertEquals(0, second.exit(), second.err());
    assertNotEquals(token, second.out().strip());
    TokenFile both = TokenFile.parse(Files.readString(file));
    assertEquals(2, both.tokens().size());
    assertEquals("acme", both.find(token).tenant());
    assertEquals("*", both.find(second.out().strip()).tenant());
  }

  @Test
  void badArgumentsExit2AndChangeNothing() throws Exception {
    Path file = dir.resolve("tokens.json");
    assertEquals(0, run(Map.of(), "token", "create", "--tenant", "acme", "--scopes", "write", "--file",
        file.toString()).exit());
    String before = Files.readString(file);
    for (String[] args : new String[][] {
        {"token", "create", "--tenant", "acme", "--scopes", "fly", "--file", file.toString()},
        {"token", "create", "--tenant", "a b", "--scopes", "read", "--file", file.toString()},
        {"token", "create", "--tenant", "acme", "--scopes", "admin", "--file", file.toString()},
        {"token", "create", "--tenant", "acme", "--file", file.toString()},
        {"token", "create", "--tenant", "acme", "--scopes", "write"},
        {"token", "create", "--tenant", "*", "--scopes", "read", "--file", file.toString()},
        {"token", "delete"}}) {
      Run r = run(Map.of(), args);
      assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
      assertEquals("", r.out(), "no token printed");
    }
    assertEquals(before, Files.readString(file));
    Files.writeString(file, "{\"tokens\": 3}");
    Run broken = run(Map.of(), "token", "create", "--tenant", "acme", "--scopes", "write", "--file", file.toString());
    assertEquals(2, broken.exit());
    assertTrue(broken.err().contains("tokens: must be an array"), broken.err());
    assertEquals(0, run(Map.of(), "token", "--help").exit());
  }
}
