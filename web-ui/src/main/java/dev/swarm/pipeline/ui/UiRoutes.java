package dev.swarm.pipeline.ui;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The trace UI on a vertx-web router: {@code /} redirects to {@code /ui/}; {@code /ui/}, {@code /ui/trace/:id} and
 * {@code /ui/ticket/:id} answer the one page ({@code index.html}, which reads {@code location}); {@code /ui/assets/…}
 * answers the files under {@value #STATIC_ROOT} on the classpath. Every answer carries a Content-Security-Policy
 * that allows this origin only (no inline script or style), {@code X-Content-Type-Options: nosniff} and
 * {@code Cache-Control: no-cache} with an ETag (files are not fingerprinted, so browsers revalidate and see a new
 * build at once, with a 304 when nothing changed).
 */
public final class UiRoutes {
  /** Classpath folder of the page and its assets. */
  public static final String STATIC_ROOT = "dev/swarm/pipeline/ui/static/";

  /** The policy sent with every UI answer. */
  public static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

  private static final Pattern ASSET_PATH = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
  private static final int MAX_ASSET_PATH_CHARS = 200;
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "json", "application/json");

  private final ClassLoader loader;
  /** Files found so far (misses are not remembered, so random paths cannot grow this). */
  private final Map<String, Asset> assets = new ConcurrentHashMap<>();

  private UiRoutes(ClassLoader loader) {
    this.loader = loader;
  }

  /** Mounts the UI routes; call before the router's catch-all 404. */
  public static void mount(Router router) {
    new UiRoutes(UiRoutes.class.getClassLoader()).mountOn(router);
  }

  private void mountOn(Router router) {
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> redirect(ctx, "/ui/"));
    // A route path matches with and without its trailing slash: /ui redirects, /ui/ is the search page.
    router.route("/ui").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (ctx.request().path().equals("/ui")) {
        redirect(ctx, "/ui/");
      } else {
        serve(ctx, "index.html");
      }
    });
    for (String page : new String[] {"/ui/trace/:id", "/ui/ticket/:id"}) {
      router.route(page).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> serve(ctx, "index.html"));
    }
    router.routeWithRegex("/ui/assets/(.*)").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> serve(ctx, ctx.pathParam("param0")));
  }

  private static void redirect(RoutingContext ctx, String to) {
    String query = ctx.request().query();
    headers(ctx.response());
    ctx.response().setStatusCode(302).putHeader("Location", query == null || query.isEmpty() ? to : to + "?" + query)
        .end();
  }

  private void serve(RoutingContext ctx, String relativePath) {
    Optional<Asset> asset = find(relativePath);
    HttpServerResponse response = ctx.response();
    headers(response);
    if (asset.isEmpty()) {
      response.setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("no such asset: " + ctx.request().path() + "\n");
      return;
    }
    Asset a = asset.get();
    response.putHeader("Cache-Control", "no-cache").putHeader("ETag", a.etag());
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    if (ifNoneMatch != null && matches(ifNoneMatch, a.etag())) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader("Content-Type", a.contentType());
    if (ctx.request().method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", Integer.toString(a.bytes().length)).end();
    } else {
      response.end(io.vertx.core.buffer.Buffer.buffer(a.bytes()));
    }
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || c.equals(etag) || c.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private static void headers(HttpServerResponse response) {
    response.putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY");
  }

  /** The file under {@link #STATIC_ROOT}, or empty for a path that names none (or names one this never serves). */
  Optional<Asset> find(String relativePath) {
    if (relativePath == null || relativePath.length() > MAX_ASSET_PATH_CHARS || !ASSET_PATH.matcher(relativePath).matches()
        || relativePath.contains("..")) {
      return Optional.empty();
    }
    int dot = relativePath.lastIndexOf('.');
    String type = dot < 0 ? null : TYPES.get(relativePath.substring(dot + 1));
    if (type == null) {
      return Optional.empty();
    }
    Asset cached = assets.get(relativePath);
    if (cached != null) {
      return Optional.of(cached);
    }
    // A few small files, read once from the jar on first use (microseconds each), then held in memory.
    try (InputStream in = loader.getResourceAsStream(STATIC_ROOT + relativePath)) {
      if (in == null) {
        return Optional.empty();
      }
      byte[] bytes = in.readAllBytes();
      Asset asset = new Asset(bytes, type, etag(bytes));
      assets.put(relativePath, asset);
      return Optional.of(asset);
    } catch (IOException e) {
      throw new UncheckedIOException("reading UI asset " + relativePath, e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  record Asset(byte[] bytes, String contentType, String etag) {}
}
