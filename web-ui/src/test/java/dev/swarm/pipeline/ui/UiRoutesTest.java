package dev.swarm.pipeline.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The routes on a bare router with a catch-all 404 after them, and static checks of the files they serve. */
class UiRoutesTest {
  static final Path STATIC = Path.of("src/main/resources", UiRoutes.STATIC_ROOT);
  static Vertx vertx;
  static HttpServer server;
  static final HttpClient CLIENT = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    UiRoutes.mount(router);
    router.route().last().handler(ctx -> ctx.response().setStatusCode(404).end("{\"error\":\"no such endpoint\"}"));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  @Test
  void theRootAndUiRedirectToTheSearchPageKeepingTheQuery() throws Exception {
    assertEquals(302, send("GET", "/").statusCode());
    assertEquals("/ui/", header(send("GET", "/"), "Location"));
    assertEquals("/ui/?ticket_id=T-17&status=error", header(send("GET", "/?ticket_id=T-17&status=error"), "Location"));
    assertEquals("/ui/", header(send("GET", "/ui"), "Location"));
  }

  @Test
  void everyPageIsTheOnePageWithTheSecurityHeaders() throws Exception {
    String index = new String(read("index.html"), StandardCharsets.UTF_8);
    for (String path : new String[] {"/ui/", "/ui/?ticket_id=T-17", "/ui/trace/abc123", "/ui/ticket/T-17", "/ui/trace/a.b:c-d_e"}) {
      HttpResponse<String> r = send("GET", path);
      assertEquals(200, r.statusCode(), path);
      assertEquals(index, r.body(), path);
      assertEquals("text/html; charset=utf-8", header(r, "Content-Type"));
      assertEquals(UiRoutes.CONTENT_SECURITY_POLICY, header(r, "Content-Security-Policy"));
      assertTrue(UiRoutes.CONTENT_SECURITY_POLICY.startsWith("default-src 'self';"));
      assertEquals("nosniff", header(r, "X-Content-Type-Options"));
      assertEquals("no-cache", header(r, "Cache-Control"));
    }
    HttpResponse<String> head = send("HEAD", "/ui/");
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    assertEquals(Integer.toString(read("index.html").length), header(head, "Content-Length"));
  }

  @Test
  void assetsComeFromTheClasspathWithTypesAndEtags() throws Exception {
    HttpResponse<String> js = send("GET", "/ui/assets/js/trace-model.js");
    assertEquals(200, js.statusCode());
    assertEquals("text/javascript; charset=utf-8", header(js, "Content-Type"));
    assertEquals(new String(read("js/trace-model.js"), StandardCharsets.UTF_8), js.body());
    assertEquals("nosniff", header(js, "X-Content-Type-Options"));
    String etag = header(js, "ETag");
    assertTrue(etag.matches("\"[0-9a-f]{24}\""), etag);
    HttpResponse<String> again = send("GET", "/ui/assets/js/trace-model.js", "If-None-Match", etag);
    assertEquals(304, again.statusCode());
    assertEquals("", again.body());
    assertEquals("text/css; charset=utf-8", header(send("GET", "/ui/assets/css/ui.css"), "Content-Type"));
    assertEquals("image/svg+xml", header(send("GET", "/ui/assets/favicon.svg"), "Content-Type"));
  }

  @Test
  void unknownOrForbiddenAssetsAre404() throws Exception {
    for (String path : new String[] {"/ui/assets/nope.js", "/ui/assets/js/", "/ui/assets/", "/ui/assets/js/main.js.map",
        "/ui/assets/../../UiRoutes.class", "/ui/assets/%2e%2e/%2e%2e/UiRoutes.class", "/ui/assets/dev/swarm/pipeline/ui/UiRoutes.class",
        "/ui/assets/.hidden.js"}) {
      HttpResponse<String> r = send("GET", path);
      assertEquals(404, r.statusCode(), path);
      assertTrue(r.body().startsWith("no such asset") || r.body().contains("no such endpoint"), path + ": " + r.body());
    }
    assertEquals("nosniff", header(send("GET", "/ui/assets/nope.js"), "X-Content-Type-Options"));
    assertEquals(404, send("GET", "/ui/other").statusCode(), "other /ui paths fall through to the router's 404");
    assertEquals("{\"error\":\"no such endpoint\"}", send("GET", "/api/nothing").body());
  }

  @Test
  void thePageHasNoInlineScriptOrStyleAndNoOtherOrigin() throws Exception {
    String index = new String(read("index.html"), StandardCharsets.UTF_8);
    Matcher scripts = Pattern.compile("<script\\b[^>]*>(.*?)</script>", Pattern.DOTALL).matcher(index);
    int count = 0;
    while (scripts.find()) {
      count++;
      assertTrue(scripts.group(0).contains("src=\"/ui/assets/"), scripts.group(0));
      assertEquals("", scripts.group(1).trim(), "no inline script");
    }
    assertEquals(1, count);
    assertFalse(index.contains("<style"), "no inline style element");
    assertFalse(Pattern.compile("\\s(style|on[a-z]+)=").matcher(index).find(), "no style or event-handler attributes");
  }

  /**
   * Data from spans goes into the DOM as text: the scripts never use the HTML parser (innerHTML and friends), eval,
   * or a URL of another origin (the only absolute URL is the SVG namespace).
   */
  @Test
  void theScriptsNeverParseHtmlOrEvalOrLeaveTheOrigin() throws Exception {
    List<String> problems = new ArrayList<>();
    Pattern banned = Pattern.compile("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\(|new Function\\(|"
        + "setAttribute\\('style'|createContextualFragment|DOMParser");
    Pattern url = Pattern.compile("(https?:)?//[a-zA-Z0-9.-]+\\.[a-z]{2,}");
    try (Stream<Path> files = Files.walk(STATIC)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String text = Files.readString(f);
        String name = STATIC.relativize(f).toString();
        if (name.endsWith(".js") && banned.matcher(text).find()) {
          problems.add(name + ": " + banned.matcher(text).results().map(m -> m.group()).toList());
        }
        url.matcher(text).results().map(m -> m.group()).filter(u -> !u.equals("http://www.w3.org"))
            .forEach(u -> problems.add(name + ": " + u));
      }
    }
    assertEquals(List.of(), problems);
  }

  private static byte[] read(String relative) throws IOException {
    try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(UiRoutes.STATIC_ROOT + relative)) {
      return in.readAllBytes();
    }
  }
}
