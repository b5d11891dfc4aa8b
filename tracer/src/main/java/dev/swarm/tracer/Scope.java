package dev.swarm.tracer;

/**
 * Makes a span current until closed, then restores what was current before (span and MDC). Use with
 * try-with-resources on the thread or Vert.x context that opened it; closing twice is harmless.
 */
@FunctionalInterface
public interface Scope extends AutoCloseable {
  @Override
  void close();
}
