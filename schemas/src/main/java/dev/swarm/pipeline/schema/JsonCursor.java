package dev.swarm.pipeline.schema;

import java.nio.charset.StandardCharsets;

/**
 * A forward-only reader over UTF-8 JSON bytes, for the pipeline's own records: finds values and their byte ranges
 * without tokens, field-name tables or copies. Checks the JSON grammar of everything it passes over (strings,
 * escapes, numbers, literals, nesting), so a caller can rely on every range it returns being one valid JSON value.
 *
 * <p>Any problem throws {@link Malformed} with only a position: callers that need a message for people fall back to
 * the Jackson-based readers, which describe the input. Not thread-safe; one cursor per value read.
 */
public final class JsonCursor {

  /** The input is not the JSON the caller expected; {@link #position()} says where. */
  public static final class Malformed extends RuntimeException {
    private final int position;

    public Malformed(String what, int position) {
      super(what + " at byte " + position, null, false, false); // thrown on a fallback path: no stack trace
      this.position = position;
    }

    public int position() {
      return position;
    }
  }

  /** Same limit as Jackson's default read constraints, so both readers accept the same documents. */
  static final int MAX_DEPTH = 1000;

  private final byte[] b;
  private final int end;
  private int pos;
  private boolean lastStringEscaped;
  // The last key read: its content range and whether it held escapes.
  private int keyStart;
  private int keyEnd;
  private boolean keyEscaped;
  private int lastArrayLength;
  private long[] isObject; // container kinds by depth, reused

  public JsonCursor(byte[] utf8) {
    this(utf8, 0, utf8.length);
  }

  public JsonCursor(byte[] utf8, int offset, int length) {
    this.b = utf8;
    this.pos = offset;
    this.end = offset + length;
  }

  public int position() {
    return pos;
  }

  /** Goes back to {@code position}, one this cursor has passed (the start of a value), to read from there again. */
  public void rewind(int position) {
    pos = position;
  }

  /** Skips whitespace and returns the next byte without consuming it. */
  public byte peek() {
    skipWhitespace();
    if (pos >= end) {
      throw new Malformed("unexpected end of input", pos);
    }
    return b[pos];
  }

  /** Skips whitespace and consumes {@code c}. */
  public void expect(char c) {
    if (peek() != c) {
      throw new Malformed("expected '" + c + "'", pos);
    }
    pos++;
  }

  /**
   * Skips whitespace; consumes {@code c} and returns true if it comes next, else returns false and consumes
   * nothing.
   */
  public boolean consume(char c) {
    if (peek() == c) {
      pos++;
      return true;
    }
    return false;
  }

  /** True when only whitespace is left. */
  public boolean atEnd() {
    skipWhitespace();
    return pos >= end;
  }

  /** After a member or element: consumes a ',' (returns true) or the closing {@code close} (returns false). */
  public boolean next(char close) {
    byte c = peek();
    pos++;
    if (c == ',') {
      return true;
    }
    if (c == close) {
      return false;
    }
    throw new Malformed("expected ',' or '" + close + "'", pos - 1);
  }

  /** Reads an object key and its colon (the value is next). Compare it with {@link #keyIs}. */
  public void key() {
    if (peek() != '"') {
      throw new Malformed("expected a field name", pos);
    }
    int start = pos + 1;
    skipString();
    keyStart = start;
    keyEnd = pos - 1;
    keyEscaped = lastStringEscaped;
    expect(':');
  }

  /** Whether the last key read equals {@code name} (ASCII, compared as bytes). */
  public boolean keyIs(byte[] name) {
    if (keyEscaped) {
      return decode(keyStart, keyEnd).equals(new String(name, StandardCharsets.US_ASCII));
    }
    int len = keyEnd - keyStart;
    if (len != name.length) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if (b[keyStart + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  /** The last key read, decoded. */
  public String keyText() {
    return decode(keyStart, keyEnd);
  }

  /** Whether the next value is a string. */
  public boolean atString() {
    return peek() == '"';
  }

  /** Whether the next value is the literal {@code null}; consumes it if so. */
  public boolean consumeNull() {
    if (peek() == 'n') {
      literal("null");
      return true;
    }
    return false;
  }

  /** Reads a string value and decodes it. */
  public String string() {
    if (peek() != '"') {
      throw new Malformed("expected a string", pos);
    }
    int start = pos + 1;
    skipString();
    return decode(start, pos - 1);
  }

  /** Reads an integer value that fits a long (no fraction or exponent). */
  public long longValue() {
    skipWhitespace();
    int start = pos;
    boolean negative = pos < end && b[pos] == '-';
    if (negative) {
      pos++;
    }
    if (pos >= end || b[pos] < '0' || b[pos] > '9') {
      throw new Malformed("expected an integer", start);
    }
    if (b[pos] == '0' && pos + 1 < end && b[pos + 1] >= '0' && b[pos + 1] <= '9') {
      throw new Malformed("leading zero", pos);
    }
    long v = 0;
    int digits = 0;
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      if (++digits > 18) {
        throw new Malformed("integer too large for this reader", start);
      }
      v = v * 10 + (b[pos++] - '0');
    }
    if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
      throw new Malformed("expected an integer", start);
    }
    return negative ? -v : v;
  }

  /**
   * Skips one value of any kind, checking its grammar, and returns its start; the value is the bytes from there
   * to {@link #position()}. For an array, {@link #lastArrayLength()} then says how many elements it had.
   */
  public int skipValue() {
    lastArrayLength = 0;
    int start;
    byte c = peek();
    start = pos;
    switch (c) {
      case '"' -> skipString();
      case '{', '[' -> skipContainer();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> skipNumber();
    }
    return start;
  }

  /** Elements of the outermost array the last {@link #skipValue()} passed over (0 for other values). */
  public int lastArrayLength() {
    return lastArrayLength;
  }

  /** The bytes from {@code start} to the current position, decoded as UTF-8. */
  public String text(int start) {
    return new String(b, start, pos - start, StandardCharsets.UTF_8);
  }

  // --- internals ---------------------------------------------------------------------------------------------

  private void skipWhitespace() {
    while (pos < end) {
      byte c = b[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  /** At an opening quote: moves past the closing one, checking escapes and control characters. */
  private void skipString() {
    int p = pos + 1;
    boolean escaped = false;
    while (true) {
      if (p >= end) {
        throw new Malformed("unterminated string", pos);
      }
      byte c = b[p];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        escaped = true;
        if (p + 1 >= end) {
          throw new Malformed("unterminated string", pos);
        }
        byte e = b[p + 1];
        if (e == 'u') {
          if (p + 5 >= end || hex(b[p + 2]) < 0 || hex(b[p + 3]) < 0 || hex(b[p + 4]) < 0 || hex(b[p + 5]) < 0) {
            throw new Malformed("bad \\u escape", p);
          }
          p += 6;
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          throw new Malformed("bad escape", p);
        }
        p += 2;
        continue;
      }
      if (c >= 0 && c < 0x20) {
        throw new Malformed("control character in string", p);
      }
      p++;
    }
    lastStringEscaped = escaped;
    pos = p + 1;
  }

  /** Decodes string content (without quotes) between the two indexes. */
  private String decode(int from, int to) {
    boolean escaped = false;
    for (int i = from; i < to; i++) {
      if (b[i] == '\\') {
        escaped = true;
        break;
      }
    }
    if (!escaped) {
      return new String(b, from, to - from, StandardCharsets.UTF_8);
    }
    StringBuilder sb = new StringBuilder(to - from);
    int runStart = from;
    int i = from;
    while (i < to) {
      if (b[i] != '\\') {
        i++;
        continue;
      }
      sb.append(new String(b, runStart, i - runStart, StandardCharsets.UTF_8));
      byte e = b[i + 1];
      switch (e) {
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append((char) ((hex(b[i + 2]) << 12) | (hex(b[i + 3]) << 8) | (hex(b[i + 4]) << 4) | hex(b[i + 5])));
        default -> sb.append((char) e); // " \ /
      }
      i += e == 'u' ? 6 : 2;
      runStart = i;
    }
    sb.append(new String(b, runStart, to - runStart, StandardCharsets.UTF_8));
    return sb.toString();
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  private void literal(String word) {
    if (pos + word.length() > end) {
      throw new Malformed("bad literal", pos);
    }
    for (int i = 0; i < word.length(); i++) {
      if (b[pos + i] != word.charAt(i)) {
        throw new Malformed("bad literal", pos);
      }
    }
    pos += word.length();
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private void skipNumber() {
    int start = pos;
    if (pos < end && b[pos] == '-') {
      pos++;
    }
    if (pos >= end || b[pos] < '0' || b[pos] > '9') {
      throw new Malformed("unexpected character", start);
    }
    if (b[pos] == '0') {
      pos++;
    } else {
      digits();
    }
    if (pos < end && b[pos] == '.') {
      pos++;
      if (pos >= end || b[pos] < '0' || b[pos] > '9') {
        throw new Malformed("bad number", start);
      }
      digits();
    }
    if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
      pos++;
      if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
        pos++;
      }
      if (pos >= end || b[pos] < '0' || b[pos] > '9') {
        throw new Malformed("bad number", start);
      }
      digits();
    }
    if (pos < end) {
      byte c = b[pos];
      if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        throw new Malformed("bad number", start);
      }
    }
  }

  private void digits() {
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      pos++;
    }
  }

  /**
   * At '{' or '[': moves past the matching close, iteratively (a bit per level says object or array), checking
   * members, elements, commas and colons.
   */
  private void skipContainer() {
    if (isObject == null) {
      isObject = new long[(MAX_DEPTH + 63) / 64];
    }
    int depth = 0;
    int outerElements = 0;
    boolean outerIsArray = b[pos] == '[';
    // Each iteration starts at a container opening, or after a complete value inside a container.
    boolean afterValue = false;
    while (true) {
      if (!afterValue) {
        byte open = b[pos++];
        if (depth == MAX_DEPTH) {
          throw new Malformed("nesting too deep", pos - 1);
        }
        boolean object = open == '{';
        if (object) {
          isObject[depth >> 6] |= 1L << (depth & 63);
        } else {
          isObject[depth >> 6] &= ~(1L << (depth & 63));
        }
        depth++;
        byte c = peek();
        if (c == (object ? '}' : ']')) {
          pos++;
          afterValue = true;
          depth--;
          if (depth == 0) {
            lastArrayLength = 0;
            return;
          }
          continue;
        }
        // First member or element.
        if (depth == 1 && !object) {
          outerElements++;
        }
        if (object) {
          key();
        }
        if (startValue()) {
          continue; // a nested container opens
        }
        afterValue = true;
        continue;
      }
      // After a complete value in the container at depth-1.
      boolean object = (isObject[(depth - 1) >> 6] & (1L << ((depth - 1) & 63))) != 0;
      if (next(object ? '}' : ']')) {
        if (depth == 1 && !object) {
          outerElements++;
        }
        if (object) {
          key();
        }
        if (startValue()) {
          afterValue = false;
        }
        continue;
      }
      depth--;
      if (depth == 0) {
        lastArrayLength = outerIsArray ? outerElements : 0;
        return;
      }
    }
  }

  /**
   * Reads a scalar value, or stops at a container's opening and returns true (the caller descends into it).
   */
  private boolean startValue() {
    byte c = peek();
    switch (c) {
      case '{', '[' -> {
        return true;
      }
      case '"' -> skipString();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> skipNumber();
    }
    return false;
  }
}
