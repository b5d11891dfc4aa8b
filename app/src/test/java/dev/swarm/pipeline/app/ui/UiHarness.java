package dev.swarm.pipeline.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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
