package dev.swarm.pipeline.kafka;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A free loopback port to listen on later. Taken below the kernel's ephemeral range (32768 and up on Linux): a port
 * that {@code new ServerSocket(0)} hands out comes from that range, and before the server binds it, any outgoing
 * connection (a Kafka client's, say) may take the same number as its source port; a test failed that way.
 */
public final class LocalPorts {
  private static final int FROM = 15_000;
  private static final int TO = 32_000;

  private LocalPorts() {}

  public static int free() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(FROM, TO);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free local port", e);
    }
  }
}
