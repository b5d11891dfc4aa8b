package dev.swarm.pipeline.storage.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SqliteValues} gives, on a real PostgreSQL, exactly what SQLite's {@code CAST(json_extract(…) AS TEXT)} and
 * {@code CAST(json_extract(…) AS INTEGER)} give for the same JSON value in storage-verticle's SQLite (the driver the
 * service runs): hand-picked edges, then thousands of random numbers and strings, compared value by value.
 */
class SqliteValuesTest {

  private static PostgresServer pg;
  private static Connection postgres;
  private static Connection sqlite;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresServer.start();
    postgres = pg.database().connect();
    sqlite = DriverManager.getConnection("jdbc:sqlite::memory:");
  }

  @AfterAll
  static void stop() throws SQLException {
    sqlite.close();
    postgres.close();
    pg.close();
  }

  /** SQLite's (text, integer) of {"k": value} for each value, as text (null for NULL). */
  private static List<String[]> onSqlite(List<String> values) throws SQLException {
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = sqlite.prepareStatement(
        "SELECT CAST(json_extract(?, '$.\"k\"') AS TEXT), CAST(json_extract(?, '$.tokens') AS INTEGER)")) {
      for (String v : values) {
        ps.setString(1, "{\"k\":" + v + "}");
        ps.setString(2, "{\"tokens\":" + v + "}");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }

  /** The same on PostgreSQL, through SqliteValues over a json column, all values in one statement. */
  private static List<String[]> onPostgres(List<String> values) throws SQLException {
    String doc = "(u.doc::json -> 'k')";
    String sql = "SELECT " + SqliteValues.text(doc) + ", " + SqliteValues.integer(doc)
        + "::text FROM unnest(?::text[]) WITH ORDINALITY AS u(doc, i) ORDER BY u.i";
    List<String[]> out = new ArrayList<>();
    try (PreparedStatement ps = postgres.prepareStatement(sql)) {
      List<String> docs = new ArrayList<>();
      for (String v : values) {
        docs.add("{\"k\":" + v + "}");
      }
      Array array = postgres.createArrayOf("text", docs.toArray());
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return out;
  }

  /** A value both backends answer differently: its SQLite and PostgreSQL (text, integer). */
  private record Difference(String value, String[] sqlite, String[] postgres) {
    @Override
    public String toString() {
      return value + ": SQLite " + java.util.Arrays.toString(sqlite) + ", PostgreSQL " + java.util.Arrays.toString(postgres);
    }
  }

  private static List<Difference> differences(List<String> values) throws SQLException {
    List<String[]> expected = onSqlite(values);
    List<String[]> actual = onPostgres(values);
    assertEquals(values.size(), actual.size());
    List<Difference> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      if (!java.util.Arrays.equals(expected.get(i), actual.get(i))) {
        out.add(new Difference(values.get(i), expected.get(i), actual.get(i)));
      }
    }
    return out;
  }

  private static void assertSameAnswers(List<String> values) throws SQLException {
    List<Difference> differences = differences(values);
    assertTrue(differences.isEmpty(), differences.size() + " of " + values.size() + " differ:\n"
        + differences.subList(0, Math.min(40, differences.size())).stream().map(Difference::toString)
            .collect(java.util.stream.Collectors.joining("\n")));
  }

  /**
   * Numbers: at most {@code perMille} in 1,000 may be rendered differently, and only as SQLite's approximate digits
   * make them (SqliteValues' comment): both texts name the same double and both integers are the same, for every
   * number SQLite reads exactly (up to 19 significant digits; beyond, it reads only about 19 and may land one double
   * away).
   */
  private static void assertSameNumbers(List<String> values, int perMille) throws SQLException {
    List<Difference> differences = differences(values);
    List<String> unexplained = new ArrayList<>();
    for (Difference d : differences) {
      boolean exactlyRead = significantDigits(d.value()) <= 19;
      double sqlite = real(d.sqlite()[0]);
      double postgres = real(d.postgres()[0]);
      boolean sameDouble = sqlite == postgres
          || !exactlyRead && Math.abs(sqlite - postgres) <= Math.ulp(postgres);
      boolean sameInteger = d.sqlite()[1].equals(d.postgres()[1])
          || !exactlyRead && Math.abs(Double.parseDouble(d.sqlite()[1]) - Double.parseDouble(d.postgres()[1]))
              <= Math.max(1, Math.ulp(postgres));
      if (!sameDouble || !sameInteger) {
        unexplained.add(d.toString());
      }
    }
    assertTrue(unexplained.isEmpty(), "not the same number:\n" + String.join("\n", unexplained));
    assertTrue(differences.size() * 1000 <= values.size() * perMille, differences.size() + " of " + values.size()
        + " rendered differently:\n" + differences.subList(0, Math.min(40, differences.size())).stream()
            .map(Difference::toString).collect(java.util.stream.Collectors.joining("\n")));
  }

  private static double real(String sqliteText) {
    return switch (sqliteText) {
      case "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(sqliteText);
    };
  }

  private static int significantDigits(String number) {
    String mantissa = number.toLowerCase(Locale.ROOT).split("e")[0].replace("-", "").replace(".", "");
    return mantissa.replaceFirst("^0+", "").length();
  }

  @Test
  void edgesAreReadAsSqliteReadsThem() throws SQLException {
    assertSameAnswers(List.of("1200", "\"1200\"", "2.50", "100.0", "1e2", "1E5", "1e100", "1e400", "-1e400",
        "1e200000", "-1e200000", "0e200000", "1e-200000", "1e-400", "0.1", "0.30000000000000004", "-0", "-0.0", "0",
        "0.0", "0e0", "123456789012345678", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "12345678901234567890123", "1.5e-7", "0.0001", "0.00001", "0.00009999999999999999",
        "123456789012345.6", "1234567890123456.7", "123456789012345.5", "1125899906842624.25", "1e15", "1e16",
        "1e17", "9999999999999998", "9999999999999998.0", "99999999999999990.0", "12345678901234568.0",
        "3.14159265358979323846", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1e308", "1e309", "2.2250738585072014e-308", "4.9e-324", "5e-324", "3e-324", "2.5e-324",
        "2.4703282292062328e-324", "2.4703282292062327e-324", "2e-324", "1e-323", "-2.5", "4.35", "33.3333333333333333",
        "1.00000000000000011", "0." + "0".repeat(400) + "1", "1" + "0".repeat(400), "1" + "0".repeat(400) + ".5",
        "0.1" + "0".repeat(700) + "1", "true", "false", "null", "{\"x\":1}", "[1,2]", "{}", "[]",
        "\"\\u00e9\"", "{\"a\":\"\\u00e9\"}", "\"\"", "\"  42\"", "\"42abc\"", "\"1e3\"", "\"1.9\"", "\"-5\"", "\"+5\"",
        "\"abc\"", "\"99999999999999999999\"", "\"-99999999999999999999\"", "\"\\t\\n42\"", "\"\\u000b7\"",
        "\"\\f8\"", "\"\\r9\"", "\"\\u00a010\"", "\"0x10\"", "\"\uFF14\uFF12\"", "\" - 5\"", "\"--5\"", "\"000123\"",
        "\"12 34\"", "\"-0\"", "\"9223372036854775808\"", "\".5\"", "\"5.\"", "\"Inf\"", "\"" + "0".repeat(5000) + "7\"",
        "\"" + "9".repeat(5000) + "\"", "\"-" + "0".repeat(30) + "9223372036854775808\""));
  }

  @Test
  void randomDoublesInEveryNotationAreReadAsSqliteReadsThem() throws SQLException {
    SplittableRandom random = new SplittableRandom(20261207);
    List<String> values = new ArrayList<>();
    while (values.size() < 3000) {
      double d = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        continue;
      }
      switch (values.size() % 6) {
        case 0 -> values.add(Double.toString(d)); // shortest, "1.0E-5" style
        case 1 -> values.add(String.format(Locale.ROOT, "%.15g", d));
        case 2 -> values.add(String.format(Locale.ROOT, "%.17g", d));
        case 3 -> values.add(String.format(Locale.ROOT, "%.16e", d));
        case 4 -> values.add(new BigDecimal(d).toString().replace("E", "e")); // the exact value, up to 767 digits
        default -> values.add(Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(-30, 30))));
      }
    }
    assertSameNumbers(values, 10);
  }

  @Test
  void randomDecimalTextsAreReadAsSqliteReadsThem() throws SQLException {
    SplittableRandom random = new SplittableRandom(7);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      StringBuilder n = new StringBuilder();
      if (random.nextBoolean()) {
        n.append('-');
      }
      int digits = 1 + random.nextInt(i % 3 == 0 ? 25 : 17);
      n.append(1 + random.nextInt(9));
      for (int k = 1; k < digits; k++) {
        n.append(random.nextInt(10));
      }
      int point = random.nextInt(digits + 1);
      if (point > 0 && point < digits && random.nextBoolean()) {
        n.insert(n.length() - (digits - point), '.');
      }
      if (random.nextInt(3) == 0) {
        n.append(random.nextBoolean() ? 'e' : 'E').append(random.nextInt(-40, 40));
      }
      values.add(n.toString());
    }
    assertSameNumbers(values, 1);
  }

  /** What attributes mostly hold and people type: up to 12 significant digits, from 1e-17 to 1e15; all the same. */
  @Test
  void shortDecimalsAreReadAsSqliteReadsThem() throws SQLException {
    SplittableRandom random = new SplittableRandom(12);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      BigDecimal d = BigDecimal.valueOf(random.nextLong(1, 1_000_000_000_000L), random.nextInt(-3, 18))
          .round(new java.math.MathContext(1 + random.nextInt(12)));
      values.add(i % 2 == 0 ? d.toPlainString() : d.toString().replace("E+", "e"));
    }
    assertSameNumbers(values, 0);
  }

  @Test
  void randomStringsCastToIntegersAsSqliteCastsThem() throws SQLException {
    String[] pieces = {" ", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u00a0", "+", "-", "0", "7", "12", "9223372036854775807",
        "99999999999999999999", "e", "E3", ".", "x", "é", "\\u0000", "\\\"", "1.5"};
    SplittableRandom random = new SplittableRandom(3);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      StringBuilder s = new StringBuilder("\"");
      for (int n = random.nextInt(6); n >= 0; n--) {
        s.append(pieces[random.nextInt(pieces.length)]);
      }
      values.add(s.append('"').toString());
    }
    values.removeIf(v -> v.contains("\\u0000")); // PostgreSQL reads U+FFFD there (the documented difference)
    assertSameAnswers(values);
  }
}
