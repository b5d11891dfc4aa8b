package dev.swarm.pipeline.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.impl.KeyStoreHelper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS certificate chain and key of {@link HttpTls}, read at start and again whenever the files change, so a
 * renewed certificate needs no restart. Every {@code checkIntervalMs} the two files are read on a worker; a pair
 * whose bytes differ from the one in use, and that reads the same on two checks in a row (so a pair replaced one
 * file after the other, or a file still being written, is not taken half-way), is loaded and checked: both PEM
 * parse and the key signs what the certificate's public key verifies. Then every HTTP server instance switches to
 * it for new connections (open ones keep theirs), counted in {@code trace_tls_reloads_total}. A pair that does not
 * load, or files missing on two checks in a row, keep the previous pair: logged and counted in
 * {@code trace_tls_reload_failures_total}, once per change.
 */
final class TlsCertificates implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TlsCertificates.class);

  /** A loaded, checked pair: the options every server uses, and what the logs say of it. */
  record Loaded(byte[] cert, byte[] key, PemKeyCertOptions keyCert, String subject, String notAfter) {
    boolean sameBytes(byte[] otherCert, byte[] otherKey) {
      return Arrays.equals(cert, otherCert) && Arrays.equals(key, otherKey);
    }
  }

  /** One HTTP server instance, updated on its own context. */
  private record Server(HttpServer server, Context context, ServerSSLOptions base) {
    Future<Boolean> use(Loaded pair) {
      Promise<Boolean> done = Promise.promise();
      context.runOnContext(v -> {
        try {
          server.updateSSLOptions(base.copy().setKeyCertOptions(pair.keyCert())).onComplete(done);
        } catch (RuntimeException e) { // a server no longer listening
          done.fail(e);
        }
      });
      return done.future();
    }
  }

  private final HttpTls files;
  private final Counter reloads;
  private final Counter reloadFailures;
  private final List<Server> servers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean checking = new AtomicBoolean();
  private Future<Void> switching = Future.succeededFuture(); // guarded by this
  private volatile Loaded current;
  // The worker's state between checks (one check at a time):
  private byte[] seenCert;
  private byte[] seenKey;
  private boolean seenTried;
  private int unreadableChecks;
  private Vertx vertx;
  private long timer = -1;

  private TlsCertificates(HttpTls files, Loaded first, MeterRegistry registry) {
    this.files = files;
    this.current = first;
    reloads = Counter.builder("trace.tls.reloads")
        .description("Times a changed HTTP_TLS_CERT_FILE / HTTP_TLS_KEY_FILE pair was loaded and put in use")
        .register(registry);
    reloadFailures = Counter.builder("trace.tls.reload.failures")
        .description("Changes of HTTP_TLS_CERT_FILE / HTTP_TLS_KEY_FILE that could not be read or loaded (the"
            + " previous certificate stays)")
        .register(registry);
  }

  /**
   * Reads and checks the pair once, at start.
   *
   * @throws IllegalArgumentException naming both files and the problem
   */
  static TlsCertificates load(HttpTls files, MeterRegistry registry) {
    Pair read;
    try {
      read = Pair.read(files);
    } catch (IOException e) {
      throw new IllegalArgumentException(names(files) + ": cannot be read: " + e);
    }
    byte[] cert = read.cert();
    byte[] key = read.key();
    try {
      Loaded first = check(cert, key);
      LOG.info("HTTPS: certificate {} (valid until {}) from {}, read again when it changes", first.subject(),
          first.notAfter(), files.certFile());
      return new TlsCertificates(files, first, registry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(names(files) + ": " + e.getMessage());
    }
  }

  /** The bytes of the certificate and key files, read together. */
  private record Pair(byte[] cert, byte[] key) {
    static Pair read(HttpTls files) throws IOException {
      return new Pair(Files.readAllBytes(files.certFile()), Files.readAllBytes(files.keyFile()));
    }
  }

  private static String names(HttpTls files) {
    return "HTTP_TLS_CERT_FILE=" + files.certFile() + " and HTTP_TLS_KEY_FILE=" + files.keyFile();
  }

  /**
   * Parses the pair with Vert.x's own PEM reader (so what passes here is what the server loads; an internal class,
   * which HttpsTest would catch changing) and checks that the key belongs to the first certificate, which the server
   * does not: it would start, and fail every handshake.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static Loaded check(byte[] cert, byte[] key) {
    try {
      KeyStore store = KeyStoreHelper.loadKeyCert(List.of(Buffer.buffer(key)), List.of(Buffer.buffer(cert)));
      String alias = Collections.list(store.aliases()).get(0);
      PrivateKey privateKey = (PrivateKey) store.getKey(alias, KeyStoreHelper.DUMMY_PASSWORD.toCharArray());
      X509Certificate leaf = (X509Certificate) store.getCertificateChain(alias)[0];
      String algorithm = switch (privateKey.getAlgorithm()) {
        case "RSA" -> "SHA256withRSA";
        case "EC" -> "SHA256withECDSA";
        default -> throw new IllegalArgumentException("a " + privateKey.getAlgorithm() + " key: RSA or EC only");
      };
      byte[] probe = "trace-pipeline key check".getBytes(StandardCharsets.UTF_8);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(privateKey);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      String subject = leaf.getSubjectX500Principal().getName();
      if (!verifier.verify(signature)) {
        throw new IllegalArgumentException("the private key does not belong to the certificate " + subject);
      }
      PemKeyCertOptions keyCert = new PemKeyCertOptions()
          .setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
      return new Loaded(cert, key, keyCert, subject, leaf.getNotAfter().toInstant().toString());
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the key cannot be checked against the certificate: " + e.getMessage());
    } catch (Exception e) { // Vert.x's PEM reader throws plain RuntimeExceptions
      throw new IllegalArgumentException("not a PEM certificate chain and private key: " + e.getMessage());
    }
  }

  /** The pair in use: a server starting now listens with it. */
  Loaded current() {
    return current;
  }

  /**
   * A server instance now listening with {@code used}; it is switched to every later pair. Should a reload have
   * happened in between, it is switched at once.
   */
  void register(HttpServer server, Context context, ServerSSLOptions base, Loaded used) {
    Server s = new Server(server, context, base.copy());
    servers.add(s);
    Loaded now = current; // read after the add: a reload setting current after this read also sees s
    if (now != used) {
      switchTo(s, now);
    }
  }

  /**
   * One server switch at a time: Vert.x's instances sharing a port share one TLS context, and updates of it from
   * several event loops at once can recurse until the stack overflows (Vert.x 5.0.7). After the first switch of
   * the shared context the others find it up to date.
   */
  private synchronized Future<Void> switchTo(Server s, Loaded pair) {
    switching = switching.transform(previous -> s.use(pair).mapEmpty());
    return switching;
  }

  void unregister(HttpServer server) {
    servers.removeIf(s -> s.server() == server);
  }

  /** Starts looking for changes of the files. */
  TlsCertificates watch(Vertx vertx, long checkIntervalMs) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(checkIntervalMs, id -> {
      if (checking.compareAndSet(false, true)) {
        vertx.executeBlocking(() -> {
          checkFiles();
          return null;
        }, false).onComplete(ar -> checking.set(false));
      }
    });
    return this;
  }

  /** Reads the files; loads and applies them once they changed and read the same twice. Blocking; one at a time. */
  void checkFiles() {
    Pair read;
    try {
      read = Pair.read(files);
    } catch (IOException e) {
      // Once, and only when still so at the next check: a file replaced by delete and create is briefly missing.
      if (++unreadableChecks == 2) {
        reloadFailures.increment();
        LOG.warn("{} cannot be read ({}); keeping the certificate in use ({})", names(files), e.toString(),
            current.subject());
      }
      return;
    }
    unreadableChecks = 0;
    byte[] cert = read.cert();
    byte[] key = read.key();
    Loaded inUse = current;
    if (inUse.sameBytes(cert, key)) {
      seenCert = null;
      seenKey = null;
      return;
    }
    if (!Arrays.equals(cert, seenCert) || !Arrays.equals(key, seenKey)) {
      seenCert = cert; // changed: taken once it reads the same at the next check
      seenKey = key;
      seenTried = false;
      return;
    }
    if (seenTried) {
      return; // this pair failed already: reported once, tried again when the files change
    }
    seenTried = true;
    Loaded next;
    try {
      next = check(cert, key);
    } catch (IllegalArgumentException e) {
      reloadFailures.increment();
      LOG.warn("{} changed but do not load, keeping the certificate in use ({}, valid until {}): {}", names(files),
          inUse.subject(), inUse.notAfter(), e.getMessage());
      return;
    }
    current = next;
    Future.all(servers.stream().map(s -> switchTo(s, next)).toList()).onComplete(ar -> {
      if (ar.succeeded()) {
        reloads.increment();
        LOG.info("HTTPS: certificate {} (valid until {}) read again from {}: new connections use it", next.subject(),
            next.notAfter(), files.certFile());
      } else {
        reloadFailures.increment();
        LOG.warn("{} changed and loaded, but an HTTP server could not switch to it: {}", names(files),
            String.valueOf(ar.cause()));
      }
    });
  }

  @Override
  public void close() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
