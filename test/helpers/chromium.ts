/**
 * Debian's Chromium driven by playwright-core, for tests of what parley serves to browsers. A
 * missing Chromium fails the test with the command that installs it (never a skip).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { onTestFinished } from "vitest";

const executablePath = "/usr/bin/chromium";

/** Launches headless Chromium, closed when the test finishes. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      "this test needs Debian's Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)",
    );
  }
  const browser = await chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  onTestFinished(() => browser.close());
  return browser;
}
