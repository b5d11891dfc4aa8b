package dev.swarm.tracer;

import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;

/**
 * Registers the tracer's slot in Vert.x context-local storage. Vert.x sizes each context's local storage when
 * the Vertx instance is built, so the slot must exist before that: Vert.x loads this class through
 * {@code META-INF/services/io.vertx.core.spi.VertxServiceProvider} while bootstrapping, which runs the static
 * registration below in time.
 */
public final class ContextStorageProvider implements VertxServiceProvider {

  /** The span current on a (duplicated) Vert.x context. */
  static final ContextLocal<Span> CURRENT_SPAN = ContextLocal.registerLocal(Span.class);

  @Override
  public void init(VertxBootstrap bootstrap) {
    // Nothing to configure: loading the class registered the slot.
  }
}
