package dev.swarm.pipeline.storage.postgres;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * PostgreSQL expressions that read a JSON value as SQLite's {@code json_extract} and casts read it, so a search by
 * attribute value and the LLM token roll-up give SQLite's answers on PostgreSQL (the query API must answer the same on
 * both backends). SQLite turns a JSON value into an SQL value of its own type, and the query API compares that value's
 * text or sums its integer:
 *
 * <ul>
 *   <li>a string is TEXT; true and false are the INTEGERs 1 and 0; null is NULL; an object or array is its JSON text;
 *   <li>a number written as an integer that fits 64 bits is an INTEGER, any other number a REAL (a double; out of range
 *       it is ±Inf, below the smallest double 0);
 *   <li>a REAL as text: up to 17 significant digits ({@link #doubleText}), always a digit after the point; positional
 *       from 1e-4 to below 1e17, else {@code 1.5e-07}, {@code 1.0e+100}; {@code Inf} and {@code -Inf};
 *   <li>a REAL as INTEGER: truncated, clamped to 64 bits; a TEXT as INTEGER: its leading integer after whitespace
 *       ({@code " 42abc"} is 42, {@code "1e3"} is 1, {@code "abc"} is 0), clamped.
 * </ul>
 *
 * <p>Measured against SQLite itself rather than taken from its documentation (SqliteValuesTest compares thousands of
 * values). One thing is not reproduced: SQLite computes a double's decimal digits approximately (its first 18 digits
 * can be off by one in the last place), so for under 1 double in 100 with 16 or 17 significant digits, and under 2 in
 * 1,000 shorter ones, the two texts differ in their last digit or in length; both always name the same double, and
 * every integer, string, boolean and object reads the same. Every expression is total: no
 * JSON value makes it fail (PostgreSQL's own casts throw on {@code 1e400}, {@code "abc"} or a 20-digit integer). The
 * double's exact decimal expansion is computed from its bits in {@code numeric}, since PostgreSQL prints doubles in
 * the shortest form. These expressions are long, but a string, an integer, a boolean or a missing key never reaches
 * the REAL branches.
 *
 * <p>Each expression evaluates its argument once: intermediate values are columns of a subquery fenced with
 * {@code OFFSET 0}, which the planner does not flatten (flattening would repeat the argument, a JSON parse of the
 * whole attributes document, in every place it is used).
 */
final class SqliteValues {

  /** 2^1024 - 2^970: from here on a decimal rounds to infinity (halfway between the largest double and 2^1024). */
  static final BigDecimal OVERFLOW = new BigDecimal(BigInteger.TWO.pow(1024).subtract(BigInteger.TWO.pow(970)));

  /** 2^-1075, half the smallest double: up to here a decimal rounds to zero (the tie goes to the even zero). */
  static final BigDecimal UNDERFLOW = BigDecimal.ONE.divide(new BigDecimal(BigInteger.TWO.pow(1075)));

  /** Significant digits of a JSON number kept before it is read (one more, a 1, stands for any nonzero rest). */
  static final int MAX_DIGITS = 600;

  private static final String INT64_MAX = "9223372036854775807";
  private static final String INT64_MIN = "-9223372036854775808";
  /** As int8: {@code -9223372036854775808::int8} would negate a cast that overflows. */
  private static final String INT64_MIN_INT8 = "(" + INT64_MIN + ")::int8";

  private SqliteValues() {}

  /** {@code CAST(json_extract(…) AS TEXT)} of the {@code json} value {@code json} (NULL for a missing key). */
  static String text(String json) {
    return "(SELECT CASE json_typeof(x.v)"
        + " WHEN 'string' THEN x.v #>> '{}'"
        + " WHEN 'number' THEN " + numberText("x.v::text")
        + " WHEN 'boolean' THEN CASE WHEN x.v::text = 'true' THEN '1' ELSE '0' END"
        + " WHEN 'object' THEN x.v::text WHEN 'array' THEN x.v::text END"
        + " FROM (SELECT " + json + " AS v OFFSET 0) x)";
  }

  /** {@code CAST(json_extract(…) AS INTEGER)} of the {@code json} value {@code json}, as int8 (NULL for none). */
  static String integer(String json) {
    return "(SELECT CASE json_typeof(x.v)"
        + " WHEN 'string' THEN " + textAsInteger("x.v #>> '{}'")
        + " WHEN 'number' THEN CASE WHEN " + fitsInteger("x.v::text") + " THEN (x.v::text)::int8"
        + " ELSE " + doubleAsInteger(numberAsDouble("x.v::text")) + " END"
        + " WHEN 'boolean' THEN CASE WHEN x.v::text = 'true' THEN 1::int8 ELSE 0::int8 END"
        + " WHEN 'object' THEN 0::int8 WHEN 'array' THEN 0::int8 END"
        + " FROM (SELECT " + json + " AS v OFFSET 0) x)";
  }

  /** True when the JSON number text {@code number} is an integer SQLite reads as a 64-bit INTEGER. */
  static String fitsInteger(String number) {
    // The pattern first: the numeric cast only sees at most 19 digits and a sign.
    return "(CASE WHEN " + number + " ~ '^-?[0-9]{1,19}$' THEN " + number + "::numeric BETWEEN " + INT64_MIN
        + " AND " + INT64_MAX + " ELSE false END)";
  }

  /** The text of a JSON number as SQLite gives it: the integer's digits, else the REAL's text. */
  static String numberText(String number) {
    return "CASE WHEN " + fitsInteger(number) + " THEN (" + number + "::int8)::text ELSE "
        + doubleText(numberAsDouble(number)) + " END";
  }

  /**
   * The double a JSON number's text rounds to (correctly rounded, as SQLite's parser and strtod do), ±Infinity past
   * the largest double and 0 below the smallest, where PostgreSQL's casts would throw; never fails for a valid JSON
   * number, whatever its exponent or length.
   */
  static String numberAsDouble(String number) {
    // sign, integer digits, fraction digits, exponent; the exponent's size is checked before it becomes an int.
    String parts = "(SELECT m[1] AS sign, ltrim(m[2] || coalesce(m[3], ''), '0') AS digits,"
        + " length(coalesce(m[3], '')) AS fraction,"
        + " CASE WHEN m[4] IS NULL THEN 0 WHEN length(ltrim(m[4], '+-0')) > 6"
        + " THEN CASE WHEN m[4] LIKE '-%' THEN -9999999 ELSE 9999999 END ELSE m[4]::int END AS exponent"
        + " FROM (SELECT regexp_match(" + number + ", '^(-?)([0-9]+)(?:\\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?$') AS m"
        + " OFFSET 0) r OFFSET 0)";
    // e10: the decimal exponent of the first significant digit (digits[1] × 10^e10).
    String scaled = "(SELECT p.sign, p.digits, length(p.digits) - 1 + p.exponent - p.fraction AS e10 FROM " + parts
        + " p OFFSET 0)";
    // The first MAX_DIGITS significant digits, and a 1 after them when anything nonzero was cut: enough to round
    // the same way as the whole number. Written with an exponent numeric's input accepts (-1000 to 1000).
    String kept = "substr(n.digits, 1, " + MAX_DIGITS + ") || CASE WHEN length(n.digits) > " + MAX_DIGITS
        + " AND ltrim(substr(n.digits, " + (MAX_DIGITS + 1) + "), '0') <> '' THEN '1' ELSE '' END";
    String exact = "(SELECT (n.sign || k.d || 'e' || (n.e10 - length(k.d) + 1))::numeric AS v FROM (SELECT " + kept
        + " AS d OFFSET 0) k)";
    return "(SELECT CASE WHEN n.digits = '' THEN 0::float8"
        + " WHEN n.e10 > 308 THEN (n.sign || 'Infinity')::float8"
        + " WHEN n.e10 < -325 THEN 0::float8"
        + " ELSE (SELECT CASE WHEN abs(q.v) >= " + OVERFLOW.toPlainString() + " THEN (n.sign || 'Infinity')::float8"
        + " WHEN abs(q.v) <= " + UNDERFLOW.toPlainString() + " THEN 0::float8 ELSE q.v::float8 END"
        + " FROM " + exact + " q) END FROM " + scaled + " n)";
  }

  /** SQLite's CAST of a double {@code real} AS INTEGER: truncated toward zero, clamped to 64 bits. */
  static String doubleAsInteger(String real) {
    return "(SELECT CASE WHEN y.d >= " + INT64_MAX + "::float8 THEN " + INT64_MAX + "::int8"
        + " WHEN y.d <= " + INT64_MIN + "::float8 THEN " + INT64_MIN_INT8 + " ELSE trunc(y.d)::int8 END"
        + " FROM (SELECT " + real + " AS d OFFSET 0) y)";
  }

  /**
   * SQLite's CAST of a text {@code text} AS INTEGER: after leading whitespace (space, tab, LF, VT, FF, CR) an
   * optional sign and the longest run of digits, clamped to 64 bits; 0 when there are none.
   */
  static String textAsInteger(String text) {
    return "(SELECT CASE WHEN z.m IS NULL THEN 0::int8"
        + " WHEN length(ltrim(z.m[2], '0')) > 19 THEN CASE WHEN z.m[1] = '-' THEN " + INT64_MIN_INT8
        + " ELSE " + INT64_MAX + "::int8 END"
        + " ELSE greatest(" + INT64_MIN + ", least(" + INT64_MAX + ", (z.m[1] || '0' || ltrim(z.m[2], '0'))::numeric))"
        + "::int8 END"
        + " FROM (SELECT regexp_match(" + text + ", '^[ \\t\\n\\v\\f\\r]*([-+]?)([0-9]+)') AS m OFFSET 0) z)";
  }

  /**
   * SQLite's text of the double {@code real}, as CAST(… AS TEXT) of a REAL gives it (SQLite 3.54, measured): 17
   * significant digits, rounded half up from the value's first 18; then, when the 15th and 16th digits end a run of
   * 9s, or the 14th to 16th are 0s, the shorter text without that run (rounded up over the 9s) if it reads back as the
   * same double; trailing zeros dropped. So {@code 0.1} and {@code 4.35} stay short while {@code 703.91609924873}
   * becomes {@code 703.91609924873001}.
   */
  static String doubleText(String real) {
    // The double's exact value is n × 10^-k, n an integer: m × 2^e2 with m and e2 from its bits.
    String bits = "('x' || encode(float8send(abs(y.d)), 'hex'))::bit(64)::int8";
    String parts = "(SELECT y.d < 0 AS negative, abs(y.d) AS a, b >> 52 AS biased,"
        + " b & 4503599627370495 AS mantissa FROM (SELECT " + bits + " AS b OFFSET 0) w OFFSET 0)";
    String exact = "(SELECT f.negative, f.a, CASE WHEN f.biased = 0 THEN f.mantissa ELSE f.mantissa + 4503599627370496"
        + " END::numeric * CASE WHEN f.e2 >= 0 THEN trunc(power(2::numeric, f.e2))"
        + " ELSE trunc(power(5::numeric, -f.e2)) END AS n, greatest(-f.e2, 0) AS k"
        + " FROM (SELECT g.*, CASE WHEN g.biased = 0 THEN -1074 ELSE g.biased::int - 1075 END AS e2 FROM " + parts
        + " g OFFSET 0) f OFFSET 0)";
    // l digits; e10 is the decimal exponent of the first one.
    String lengths = "(SELECT x.negative, x.a, x.n, length(x.n::text) AS l, length(x.n::text) - 1 - x.k AS e10 FROM "
        + exact + " x OFFSET 0)";
    // 18 digits, rounded half to even (a carry makes 19 characters: the exponent moves up, the 19th is a 0).
    String unit = "('1e' || (t.l - 18))::numeric";
    String eighteen = "(SELECT t.negative, t.a, substr(q.s, 1, 18) AS d, t.e10 + length(q.s) - 18 AS e10 FROM " + lengths
        + " t, LATERAL (SELECT (CASE WHEN t.l <= 18 THEN t.n * ('1e' || (18 - t.l))::numeric"
        + " ELSE div(t.n, " + unit + ") + CASE WHEN 2 * mod(t.n, " + unit + ") > " + unit
        + " OR (2 * mod(t.n, " + unit + ") = " + unit + " AND mod(div(t.n, " + unit + "), 2) = 1) THEN 1 ELSE 0 END"
        + " END)::text AS s OFFSET 0) q OFFSET 0)";
    // Those 18 rounded half up to 17.
    String seventeen = "(SELECT u.negative, u.a, substr(q.s, 1, 17) AS d, u.e10 + length(q.s) - 17 AS e10 FROM "
        + eighteen + " u, LATERAL (SELECT (substr(u.d, 1, 17)::numeric + CASE WHEN substr(u.d, 18, 1) >= '5' THEN 1"
        + " ELSE 0 END)::text AS s OFFSET 0) q OFFSET 0)";
    // The shorter text a run of 9s or 0s allows: its digits and the exponent of its first digit, or NULL.
    String shorter = "(SELECT v.*, CASE WHEN substr(v.d, 15, 2) = '99' THEN CASE WHEN p.nines = '' THEN '1'"
        + " ELSE (p.nines::numeric + 1)::text END WHEN substr(v.d, 14, 3) = '000' THEN p.zeros END AS sd,"
        + " CASE WHEN substr(v.d, 15, 2) = '99' AND p.nines = '' THEN v.e10 + 1 ELSE v.e10 END AS se FROM " + seventeen
        + " v, LATERAL (SELECT rtrim(substr(v.d, 1, 16), '9') AS nines, rtrim(substr(v.d, 1, 16), '0') AS zeros"
        + " OFFSET 0) p OFFSET 0)";
    String chosen = "(SELECT w.negative, CASE WHEN w.back THEN rtrim(w.sd, '0') ELSE rtrim(w.d, '0') END AS digits,"
        + " CASE WHEN w.back THEN w.se ELSE w.e10 END AS e10 FROM (SELECT s.*, coalesce(" + readsBack("s")
        + ", false) AS back FROM " + shorter + " s OFFSET 0) w OFFSET 0)";
    String layout = "CASE WHEN c.negative THEN '-' ELSE '' END || CASE"
        + " WHEN c.e10 < -4 OR c.e10 > 16 THEN substr(c.digits, 1, 1) || '.'"
        + " || coalesce(nullif(substr(c.digits, 2), ''), '0') || 'e' || CASE WHEN c.e10 < 0 THEN '-' ELSE '+' END"
        + " || CASE WHEN abs(c.e10) < 10 THEN '0' ELSE '' END || abs(c.e10)::text"
        + " WHEN c.e10 < 0 THEN '0.' || repeat('0', -c.e10 - 1) || c.digits"
        + " WHEN length(c.digits) <= c.e10 + 1 THEN c.digits || repeat('0', c.e10 + 1 - length(c.digits)) || '.0'"
        + " ELSE substr(c.digits, 1, c.e10 + 1) || '.' || substr(c.digits, c.e10 + 2) END";
    return "(SELECT CASE WHEN y.d = 'Infinity'::float8 THEN 'Inf' WHEN y.d = '-Infinity'::float8 THEN '-Inf'"
        + " WHEN y.d = 0 THEN '0.0' ELSE (SELECT " + layout + " FROM " + chosen + " c) END"
        + " FROM (SELECT " + real + " AS d OFFSET 0) y)";
  }

  /**
   * True when the digits {@code s.sd} (first digit at 10^{@code s.se}) read back as the double {@code s.a}; NULL
   * when there are none. Out of the double's range they do not (and must not reach the cast, which would throw).
   */
  private static String readsBack(String s) {
    String value = "(" + s + ".sd || 'e' || (" + s + ".se - length(" + s + ".sd) + 1))::numeric";
    return "(SELECT CASE WHEN r.v >= " + OVERFLOW.toPlainString() + " OR r.v <= " + UNDERFLOW.toPlainString()
        + " THEN false ELSE r.v::float8 = " + s + ".a END FROM (SELECT " + value + " AS v OFFSET 0) r)";
  }
}
