package dev.swarm.pipeline.storage;

import java.util.ArrayList;
import java.util.List;

/** Splits a SQL script into statements at {@code ;}, ignoring those inside comments and quotes. */
final class SqlScript {

  private SqlScript() {}

  /**
   * Returns the script's statements without their terminating {@code ;}, blank ones dropped. Trigger
   * bodies ({@code BEGIN ... ; END}) are not supported.
   */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int n = script.length();
    int i = 0;
    while (i < n) {
      char c = script.charAt(i);
      if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
        int end = script.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
        current.append('\n');
      } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
        int end = script.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        current.append(' ');
      } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
        char close = c == '[' ? ']' : c;
        int j = i + 1;
        while (j < n) {
          if (script.charAt(j) == close) {
            // A doubled quote inside a literal is an escaped quote.
            if (close != ']' && j + 1 < n && script.charAt(j + 1) == close) {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        int end = Math.min(j + 1, n);
        current.append(script, i, end);
        i = end;
      } else if (c == ';') {
        addIfNotBlank(out, current);
        current.setLength(0);
        i++;
      } else {
        current.append(c);
        i++;
      }
    }
    addIfNotBlank(out, current);
    return out;
  }

  private static void addIfNotBlank(List<String> out, StringBuilder statement) {
    String s = statement.toString().strip();
    if (!s.isEmpty()) {
      out.add(s);
    }
  }
}
