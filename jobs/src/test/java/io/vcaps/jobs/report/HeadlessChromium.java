package io.vcaps.jobs.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens a page in Debian's headless Chromium and returns the DOM after its scripts ran. A missing Chromium fails the
 * test (it does not skip it): CI installs it (.ci/run), and a report whose images are not checked is not tested.
 */
final class HeadlessChromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser");
    private static final long TIMEOUT_S = 120;

    private HeadlessChromium() {
    }

    /** The DOM of {@code page} after load, as Chromium serialises it; {@code work} holds its profile and log. */
    static String dumpDom(Path page, Path work) throws IOException, InterruptedException {
        String chromium = find();
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        Path out = work.resolve("chromium-dom.html");
        Path log = work.resolve("chromium.log");
        // Virtual time lets the load event and the page's check script run before the DOM is dumped.
        Process process = new ProcessBuilder(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                "--virtual-time-budget=10000", "--dump-dom", page.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("headless Chromium did not finish within " + TIMEOUT_S + " s; its log:\n" + Files.readString(log));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0 || dom.isBlank()) {
            fail("headless Chromium exited with " + process.exitValue() + " and " + dom.length()
                    + " characters of DOM; its log:\n" + Files.readString(log));
        }
        return dom;
    }

    private static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : NAMES) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return fail("this test opens the report in headless Chromium, and no " + NAMES + " is on PATH: install"
                + " Debian's package (apt-get install -y --no-install-recommends chromium), as .ci/run does");
    }
}
