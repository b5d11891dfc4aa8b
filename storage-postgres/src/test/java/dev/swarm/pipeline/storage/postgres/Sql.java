package dev.swarm.pipeline.storage.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Small JDBC helpers for the tests. */
final class Sql {

  private Sql() {}

  /** The first column of every row, as text. */
  static List<String> column(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  /** The single value of a one-row, one-column query, as text. */
  static String scalar(Connection c, String sql, Object... args) throws SQLException {
    List<String> values = column(c, sql, args);
    if (values.size() != 1) {
      throw new AssertionError("expected one row from " + sql + ", got " + values);
    }
    return values.get(0);
  }

  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    }
  }
}
