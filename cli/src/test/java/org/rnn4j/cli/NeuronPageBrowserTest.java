package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.ActivationTrace;

/**
 * The neuron viewer as a person sees it: rendered by headless Chromium (Debian's {@code chromium}
 * package), checked through the DOM after its script ran and through a screenshot.
 */
class NeuronPageBrowserTest {
  @TempDir
  static Path dir;

  private static Path chromium;
  private static Path page;

  /** Five characters whose neuron 0 goes −1, −0.5, 0, 0.5, 1: red, pink, white, light blue, blue. */
  @BeforeAll
  static void renderPage() throws Exception {
    chromium = findChromium();
    float[] hidden = {-1f, 0f, -0.5f, 0f, 0f, 0f, 0.5f, 0f, 1f, 0f};
    ActivationTrace trace = new ActivationTrace(5, List.of(new ActivationTrace.Slot(0, 0, Map.of("hidden", hidden),
        2)));
    page = dir.resolve("page.html");
    Files.writeString(page, NeuronPage.render("test <page>", "ab\ncd".codePoints().toArray(), trace, 0, "hidden", 0),
        StandardCharsets.UTF_8);
  }

  private static Path findChromium() {
    for (String c : new String[] {System.getenv("RNN4J_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (c != null && Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    return null;
  }

  private static String run(String... extra) throws Exception {
    Assumptions.assumeTrue(chromium != null, "headless Chromium not found (apt-get install chromium, or set "
        + "RNN4J_CHROMIUM); the browser checks of the neuron viewer are skipped");
    List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + Files.createTempDirectory(dir, "profile"), "--virtual-time-budget=3000"));
    cmd.addAll(List.of(extra));
    cmd.add(page.toUri().toString());
    Path outFile = Files.createTempFile(dir, "chromium", ".out");
    Process p = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s");
    }
    return Files.readString(outFile, StandardCharsets.UTF_8);
  }

  @Test
  void scriptRendersOneSpanPerCharacterColouredByTheActivation() throws Exception {
    String dom = run("--dump-dom");
    assertTrue(dom.contains("data-ready=\"true\""), "the page script did not finish:\n" + dom);
    Matcher m = Pattern.compile("<span class=\"c\"[^>]*style=\"background-color: (rgb\\([^)]*\\))").matcher(dom);
    List<String> colours = new ArrayList<>();
    while (m.find()) {
      colours.add(m.group(1));
    }
    assertEquals(List.of("rgb(255, 0, 0)", "rgb(255, 128, 128)", "rgb(255, 255, 255)", "rgb(128, 128, 255)",
        "rgb(0, 0, 255)"), colours);
    assertTrue(dom.contains("neuron 0 of 2"), dom);
    assertTrue(dom.contains("test &lt;page&gt;"), "title must be escaped");
  }

  @Test
  void screenshotShowsRedAndBlueCharacters() throws Exception {
    Path shot = dir.resolve("shot.png");
    run("--screenshot=" + shot, "--window-size=800,600", "--hide-scrollbars");
    BufferedImage img = ImageIO.read(shot.toFile());
    assertTrue(img != null && img.getWidth() == 800, "no screenshot");
    boolean red = false;
    boolean blue = false;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = rgb >> 16 & 255;
        int g = rgb >> 8 & 255;
        int b = rgb & 255;
        red |= r > 240 && g < 20 && b < 20;
        blue |= b > 240 && r < 20 && g < 20;
      }
    }
    assertTrue(red && blue, "expected fully red and fully blue character cells in the screenshot");
  }
}
