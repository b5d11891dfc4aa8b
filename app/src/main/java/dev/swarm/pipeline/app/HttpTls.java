package dev.swarm.pipeline.app;

import dev.swarm.pipeline.config.EnvReader;
import java.nio.file.Path;

/**
 * HTTPS for the HTTP front: PEM files of the server's certificate chain and its private key (PKCS#8 or PKCS#1).
 * Both unset: plain HTTP. Read at start and again when they change, so a renewed certificate needs no restart
 * ({@link TlsCertificates}).
 *
 * @param certFile HTTP_TLS_CERT_FILE
 * @param keyFile HTTP_TLS_KEY_FILE
 */
public record HttpTls(Path certFile, Path keyFile) {
  public static final HttpTls OFF = new HttpTls(null, null);

  public boolean enabled() {
    return certFile != null;
  }

  /** http or https. */
  public String scheme() {
    return enabled() ? "https" : "http";
  }

  /** HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE (PEM), both or neither; the unprefixed names are refused. */
  public static HttpTls fromEnv(EnvReader r) {
    // TLS_* would be ambiguous next to Kafka's own TLS settings: refuse them loudly rather than serve plain HTTP.
    for (String other : new String[] {"TLS_CERT_FILE", "TLS_KEY_FILE"}) {
      if (r.raw(other) != null) {
        r.problem(other + " is not a setting: HTTPS is HTTP_" + other
            + " (Kafka's TLS goes in KAFKA_CLIENT_PROPERTIES_FILE)");
      }
    }
    String cert = r.raw("HTTP_TLS_CERT_FILE");
    String key = r.raw("HTTP_TLS_KEY_FILE");
    if (cert == null && key == null) {
      return OFF;
    }
    if (cert == null || key == null) {
      r.problem("HTTP_TLS_CERT_FILE and HTTP_TLS_KEY_FILE go together: set both (PEM files) for HTTPS, or neither");
      return OFF;
    }
    for (String[] f : new String[][] {{"HTTP_TLS_CERT_FILE", cert}, {"HTTP_TLS_KEY_FILE", key}}) {
      if (!java.nio.file.Files.isReadable(Path.of(f[1]))) {
        r.problem(f[0] + "=" + f[1] + ": not a readable file");
      }
    }
    return new HttpTls(Path.of(cert), Path.of(key));
  }
}
