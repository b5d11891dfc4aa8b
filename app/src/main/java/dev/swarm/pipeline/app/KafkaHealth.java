package dev.swarm.pipeline.app;

import io.vertx.core.Vertx;
import io.vertx.kafka.admin.KafkaAdminClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the cluster for its nodes every interval; readiness and the ingest fast path (503 while the broker is
 * down, instead of holding requests until the producer times out) read the latest answer.
 *
 * <p>Kafka's admin client treats a refused authentication as final: every later call fails at once with it, even
 * once the cluster takes the credentials again. So after one the client is replaced (at most every
 * {@link #RECREATE_AFTER_AUTH_FAILURE_MS}), and readiness comes back by itself when the credentials are accepted.
 */
final class KafkaHealth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHealth.class);

  static final long RECREATE_AFTER_AUTH_FAILURE_MS = 5000;

  private final Vertx vertx;
  private final Map<String, String> props;
  private KafkaAdminClient admin;
  private long createdAt;
  private final long timerId;
  private volatile boolean reachable = true;
  private volatile String lastError;
  private boolean checking;

  /** @param kafka the process's Kafka client properties, bound to the cluster */
  KafkaHealth(Vertx vertx, KafkaClientProperties kafka, long intervalMs) {
    this.vertx = vertx;
    Map<String, String> defaults = new HashMap<>();
    defaults.put("request.timeout.ms", Long.toString(Math.max(1000, intervalMs)));
    defaults.put("default.api.timeout.ms", Long.toString(Math.max(1500, intervalMs * 2)));
    defaults.put("reconnect.backoff.max.ms", "1000");
    this.props = kafka.forAdmin(defaults, "trace-health");
    this.admin = KafkaAdminClient.create(vertx, props);
    this.createdAt = System.nanoTime();
    this.timerId = vertx.setPeriodic(0, intervalMs, id -> check());
  }

  boolean reachable() {
    return reachable;
  }

  String lastError() {
    return lastError;
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    admin.describeCluster()
        .onComplete(ar -> {
          checking = false;
          boolean ok = ar.succeeded() && ar.result().getNodes() != null && !ar.result().getNodes().isEmpty();
          if (ok != reachable) {
            if (ok) {
              LOG.info("Kafka is reachable again");
            } else {
              LOG.warn("Kafka is unreachable: {}", ar.failed() ? ar.cause().toString() : "no nodes");
            }
          }
          lastError = ok ? null : !ar.failed() ? "unreachable: cluster reports no nodes"
              // A refused login is not an outage: say which, so the operator looks at the credentials file.
              : (isAuthenticationFailure(ar.cause()) ? "refused the credentials: " : "unreachable: ") + ar.cause();
          reachable = ok;
          if (ar.failed() && isAuthenticationFailure(ar.cause())
              && System.nanoTime() - createdAt >= RECREATE_AFTER_AUTH_FAILURE_MS * 1_000_000) {
            admin.close();
            admin = KafkaAdminClient.create(vertx, props);
            createdAt = System.nanoTime();
          }
        });
  }

  static boolean isAuthenticationFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timerId);
    admin.close();
  }
}
