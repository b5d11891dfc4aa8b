package dev.swarm.pipeline.app;

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
}
