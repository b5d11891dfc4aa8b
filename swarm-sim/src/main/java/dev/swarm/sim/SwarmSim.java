package dev.swarm.sim;

import dev.swarm.sim.TicketTraceEmitter.PendingEnd;
import dev.swarm.tracer.Tracer;
import dev.swarm.tracer.TracerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs the simulation: starts {@link SimOptions#tickets()} tickets spread evenly over the duration (paced by a
 * Vert.x timer), then closes the tracer, which flushes, and reports.
 *
 * <p>Without a time scale each ticket's spans are generated at once with simulated times ending at the moment
 * the ticket is sent. With {@code --time-scale N} each span is ended when its planned end comes round in wall
 * time compressed N times ({@link TimeScale}); one timer per ticket walks its spans in end order, and the run
 * finishes when the last ticket's root span has been ended.
 */
public final class SwarmSim {
  /** Timer period: tickets due since the last tick are sent together. */
  private static final long TICK_MS = 10;

  private final Vertx vertx;
  private final SimOptions options;
  private final TimeScale scale;
  private final SimClock clock = new SimClock();
  private final Tracer tracer;
  private final TicketPlanner planner;
  private final TicketTraceEmitter emitter;
  private final Promise<SimReport> done = Promise.promise();

  private long startNanos;
  private long tickets;
  private long failedTickets;
  private long spans;
  private long vmErrors;
  private long llmErrors;
  private long pushErrors;
  /** Tickets whose spans are not all ended yet (time-scale mode). */
  private long ticketsInProgress;
  private boolean allStarted;

  private SwarmSim(Vertx vertx, SimOptions options, String token) {
    this.vertx = vertx;
    this.options = options;
    this.scale = options.scale();
    // The buffer holds a few seconds of traffic; a ticket is about 10 to 16 spans.
    int capacity = (int) Math.min(1_000_000, Math.max(10_000, options.ticketsPerSecond() * 16 * 10));
    this.tracer =
        Tracer.create(
            vertx,
            new TracerOptions()
                .setEndpoint(options.target())
                .setToken(token)
                .setClock(clock)
                .setBufferCapacity(capacity)
                .setFlushIntervalMs(200)
                .setCloseTimeoutMs(30_000));
    this.planner = new TicketPlanner(options);
    this.emitter = new TicketTraceEmitter(tracer, clock);
  }

  /**
   * Runs a whole simulation on {@code vertx}; the future completes after the final flush. A pipeline with
   * AUTH_TOKENS_FILE needs a write token: TRACER_TOKEN, as for any tracer.
   */
  public static Future<SimReport> run(Vertx vertx, SimOptions options) {
    return run(vertx, options, TracerOptions.fromEnv(System.getenv()).token());
  }

  /** The same with the token given (null: none), for a caller that cannot set the environment. */
  public static Future<SimReport> run(Vertx vertx, SimOptions options, String token) {
    return new SwarmSim(vertx, options, token).run();
  }

  private Future<SimReport> run() {
    long total = options.tickets();
    vertx
        .getOrCreateContext()
        .runOnContext(
            v -> {
              startNanos = System.nanoTime();
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
                      allStarted = true;
                      finishWhenIdle();
                    }
                  });
            });
    return done.future();
  }

  private void finishWhenIdle() {
    if (!allStarted || ticketsInProgress > 0 || done.future().isComplete()) {
      return;
    }
    tracer
        .close()
        .onComplete(
            closed ->
                done.tryComplete(
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

  private void sendTicket() {
    TicketPlan plan = planner.next();
    long now = System.currentTimeMillis();
    long base = scale.base(now, plan.totalMs());
    TicketTraceEmitter.Emitted e = emitter.emit(plan, base);
    tickets++;
    spans += e.spans();
    vmErrors += e.vmErrors();
    llmErrors += e.llmErrors();
    pushErrors += e.pushErrors();
    if (plan.outcome() != TicketPlan.Outcome.COMPLETED) {
      failedTickets++;
    }
    if (scale.isOff()) {
      e.ends().forEach(PendingEnd::end);
    } else {
      List<PendingEnd> ends = new ArrayList<>(e.ends());
      ends.sort(Comparator.comparingLong(PendingEnd::endEpochMillis)); // stable: children before parents on ties
      ticketsInProgress++;
      endDue(ends, 0, now, base);
    }
  }

  /** Ends every span of a ticket whose wall-clock moment has come, then waits for the next one. */
  private void endDue(List<PendingEnd> ends, int next, long sentAt, long base) {
    long now = System.currentTimeMillis();
    while (next < ends.size() && sentAt + scale.delayMs(ends.get(next).endEpochMillis() - base) <= now) {
      ends.get(next++).end();
    }
    if (next == ends.size()) {
      ticketsInProgress--;
      finishWhenIdle();
      return;
    }
    int from = next;
    long wait = sentAt + scale.delayMs(ends.get(next).endEpochMillis() - base) - now;
    vertx.setTimer(Math.max(1, wait), id -> endDue(ends, from, sentAt, base));
  }
}
