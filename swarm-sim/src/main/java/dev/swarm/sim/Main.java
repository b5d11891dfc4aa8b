package dev.swarm.sim;

import io.vertx.core.Vertx;

/** {@code bin/swarm-sim}: parses options, runs, prints the report. Exit 0 when every span was delivered. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.print(SimOptions.USAGE);
      return;
    }
    SimOptions options;
    try {
      options = SimOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("swarm-sim: " + e.getMessage());
      System.err.print(SimOptions.USAGE);
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    SimReport report;
    try {
      report = SwarmSim.run(vertx, options).await();
    } finally {
      vertx.close().await();
    }
    System.out.println(report.toJson().encode());
    System.out.println(report.humanLine());
    System.exit(report.allDelivered() ? 0 : 1);
  }
}
