package dev.swarm.pipeline.app.ui;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian Chromium driven by Debian's chromedriver, both named explicitly so Selenium Manager never looks
 * for (or downloads) anything. One per test class. Missing binaries fail the test with the command that installs
 * them.
 */
final class Browser implements AutoCloseable {
  static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_BINARY", "/usr/bin/chromium");
  static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");

  final ChromeDriver driver;
  final Path downloads;
  private final String base;

  private Browser(ChromeDriver driver, Path downloads, String base) {
    this.driver = driver;
    this.downloads = downloads;
    this.base = base;
  }

  /** @param base the pipeline's origin, e.g. http://127.0.0.1:18480 */
  static Browser start(String base) throws Exception {
    for (String binary : new String[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(Path.of(binary))) {
        throw new AssertionError(binary + " is missing: the UI tests drive Debian's headless Chromium. Install it with"
            + " `apt-get install -y chromium chromium-driver` (or set CHROMIUM_BINARY / CHROMEDRIVER to other binaries).");
      }
    }
    Path downloads = Files.createTempDirectory("ui-downloads");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
        "--force-device-scale-factor=1", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
        "--disable-features=Translate,OptimizationHints,MediaRouter", "--metrics-recording-only", "--mute-audio",
        "--password-store=basic", "--lang=en-US");
    Map<String, Object> prefs = new HashMap<>();
    prefs.put("download.default_directory", downloads.toString());
    prefs.put("download.prompt_for_download", false);
    options.setExperimentalOption("prefs", prefs);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    // --window-size is the window's outer size; grow it by the frame so the page itself gets 1280 x 800.
    @SuppressWarnings("unchecked")
    List<Number> frame = (List<Number>) driver.executeScript(
        "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]");
    driver.manage().window().setSize(new Dimension(1280 + frame.get(0).intValue(), 800 + frame.get(1).intValue()));
    return new Browser(driver, downloads, base);
  }

  /** Navigates to a path of the pipeline (or an absolute URL). */
  Browser open(String path) {
    driver.get(path.startsWith("http") ? path : base + path);
    return this;
  }

  String path() {
    String url = driver.getCurrentUrl();
    return url.startsWith(base) ? url.substring(base.length()) : url;
  }

  <T> T waitFor(String what, Function<WebDriver, T> condition) {
    // Pages re-render parts of themselves: an element found a moment ago may be gone; look again.
    return new WebDriverWait(driver, Duration.ofSeconds(20)).withMessage(what)
        .ignoring(StaleElementReferenceException.class).until(condition);
  }

  WebElement waitForCss(String css) {
    return waitFor("an element " + css, d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return found.isEmpty() ? null : found.get(0);
    });
  }

  /** Waits until the page says it rendered (body[data-ready]) with this value. */
  void waitReady(String value) {
    waitFor("page ready: " + value + " (" + path() + ")", d -> value.equals(js("return document.body.dataset.ready || ''")));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  WebElement one(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Browser console entries at level SEVERE since the last call, less those matching an allowed pattern. */
  List<String> severeLogs(Pattern... allowed) {
    List<String> out = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER).getAll()) {
      if (e.getLevel().intValue() < Level.SEVERE.intValue()) {
        continue;
      }
      boolean ok = false;
      for (Pattern p : allowed) {
        ok |= p.matcher(e.getMessage()).find();
      }
      if (!ok) {
        out.add(e.getMessage());
      }
    }
    return out;
  }

  /** Every resource the page loaded (and the page itself) whose origin is not the page's. */
  @SuppressWarnings("unchecked")
  List<String> foreignRequests() {
    return (List<String>) js("const o = location.origin;"
        + "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        + ".map(e => e.name).filter(n => { try { return new URL(n).origin !== o; } catch (e) { return true; } });");
  }

  /** Emulates prefers-color-scheme ("dark" or "light") for the pages that follow, through chromedriver's CDP call. */
  void colorScheme(String scheme) {
    driver.executeCdpCommand("Emulation.setEmulatedMedia",
        Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
  }

  byte[] screenshot() {
    return ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
