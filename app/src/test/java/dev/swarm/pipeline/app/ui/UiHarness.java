package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** One pipeline and one browser for all tests of a class, and the checks every UI test ends with. */
final class UiHarness implements AutoCloseable {
  /** What Chromium logs for an API answer a test asked for (a 400 search, a 404 trace). */
  static final Pattern EXPECTED_HTTP_ERROR = Pattern.compile("Failed to load resource: the server responded with a status of (400|401|403|404)");

  final UiPipeline pipeline;
  final Browser browser;

  private UiHarness(UiPipeline pipeline, Browser browser) {
    this.pipeline = pipeline;
    this.browser = browser;
  }

  static UiHarness start(Map<String, String> settings) throws Exception {
    UiPipeline pipeline = UiPipeline.start(settings);
    try {
      return new UiHarness(pipeline, Browser.start(pipeline.base));
    } catch (Exception | AssertionError e) {
      pipeline.close();
      throw e;
    }
  }

  /**
   * A test class's harness, as a static {@code @RegisterExtension} field: started before the class's own
   * {@code @BeforeAll} (which posts its traces through {@link #ui()}), every test ends with
   * {@link #assertCleanPage}, and it is closed after the class.
   */
  static final class PerClass implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private final Map<String, String> settings;
    private UiHarness harness;

    PerClass(Map<String, String> settings) {
      this.settings = settings;
    }

    UiHarness ui() {
      if (harness == null) {
        throw new IllegalStateException("the UI harness starts before the test class's @BeforeAll");
      }
      return harness;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      harness = start(settings);
    }

    @Override
    public void afterEach(ExtensionContext context) {
      harness.assertCleanPage();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      if (harness != null) {
        harness.close();
        harness = null;
      }
    }
  }

  /** No severe console entry (beyond the allowed ones) and no request to another origin since the last check. */
  void assertCleanPage(Pattern... allowed) {
    assertEquals(List.of(), browser.severeLogs(allowed), "severe browser console entries on " + browser.path());
    assertEquals(List.of(), browser.foreignRequests(), "requests to another origin from " + browser.path());
  }

  /** The data-trace-id values of the search results, in page order. */
  List<String> resultIds() {
    return browser.all("#results .result[data-trace-id]").stream().map(e -> e.getAttribute("data-trace-id")).toList();
  }

  /** The row element of the span with this id (present only while inside the rendered window). */
  WebElement row(String spanId) {
    return browser.driver.findElement(By.cssSelector(".row[data-span-id='" + spanId + "']"));
  }

  @Override
  public void close() throws Exception {
    try {
      browser.close();
    } finally {
      pipeline.close();
    }
  }
}
