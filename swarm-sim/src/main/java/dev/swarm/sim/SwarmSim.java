package dev.swarm.sim;

import dev.swarm.tracer.Tracer;
import dev.swarm.tracer.TracerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Runs the simulation: starts {@link SimOptions#tickets()} tickets spread evenly over the duration (paced by a
 * Vert.x timer; each ticket's spans are generated at once with simulated times, ending at the moment the ticket
 * is sent), then closes the tracer, which flushes, and reports.
 */
public final class SwarmSim {
  /** Timer period: tickets due since the last tick are sent together. */
  private static final long TICK_MS = 10;

  private final Vertx vertx;
  private final SimOptions options;
  private final SimClock clock = new SimClock();
  private final Tracer tracer;
  private final TicketPlanner planner;
  private final TicketTraceEmitter emitter;

  private long tickets;
  private long failedTickets;
  private long spans;
  private long vmErrors;
  private long llmErrors;
  private long pushErrors;

  private SwarmSim(Vertx vertx, SimOptions options) {
    this.vertx = vertx;
    this.options = options;
    // The buffer holds a few seconds of traffic; a ticket is about 10 to 16 spans.
    int capacity = (int) Math.min(1_000_000, Math.max(10_000, options.ticketsPerSecond() * 16 * 10));
    this.tracer =
        Tracer.create(
            vertx,
            new TracerOptions()
                .setEndpoint(options.target())
                .setClock(clock)
                .setBufferCapacity(capacity)
                .setFlushIntervalMs(200)
                .setCloseTimeoutMs(30_000));
    this.planner = new TicketPlanner(options);
    this.emitter = new TicketTraceEmitter(tracer, clock);
  }

  /** Runs a whole simulation on {@code vertx}; the future completes after the final flush. */
  public static Future<SimReport> run(Vertx vertx, SimOptions options) {
    return new SwarmSim(vertx, options).run();
  }

  private Future<SimReport> run() {
    Promise<SimReport> done = Promise.promise();
    long total = options.tickets();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              long startNanos = System.nanoTime();
              vertx.setPeriodic(
                  1,
                  TICK_MS,
                  timer -> {
                    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
                    long due = Math.min(total, 1 + (long) Math.floor(elapsedSeconds * options.ticketsPerSecond()));
                    while (tickets < due) {
                      sendTicket();
                    }
                    if (tickets == total) {
                      vertx.cancelTimer(timer);
                      tracer
                          .close()
                          .onComplete(
                              closed ->
                                  done.complete(
                                      new SimReport(
                                          options.seed(),
                                          options.target(),
                                          tickets,
                                          failedTickets,
                                          spans,
                                          vmErrors,
                                          llmErrors,
                                          pushErrors,
                                          (System.nanoTime() - startNanos) / 1_000_000,
                                          tracer.stats())));
                    }
                  });
            });
    return done.future();
  }

  private void sendTicket() {
    TicketPlan plan = planner.next();
    // The ticket's last span ends now: simulated history, never timestamps in the future.
    long base = System.currentTimeMillis() - plan.totalMs();
    TicketTraceEmitter.Emitted e = emitter.emit(plan, base);
    tickets++;
    spans += e.spans();
    vmErrors += e.vmErrors();
    llmErrors += e.llmErrors();
    pushErrors += e.pushErrors();
    if (plan.outcome() != TicketPlan.Outcome.COMPLETED) {
      failedTickets++;
    }
  }
}
