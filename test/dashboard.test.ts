import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { launchChromium, watchForProblems } from "./helpers/chromium";
import { startServer } from "./helpers/server";

describe("the live dashboard in Chromium", () => {
  it("signs in, shows a live conference, lights talking, mutes a participant and locks the conference", async () => {
    const server = await startServer({ PARLEY_SIMULATE: "1" });
    const apiKey = server.simulation?.createdApiKey ?? "";
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchForProblems(page);
    await page.goto(server.url);
    // The page and its modules loaded and ran cleanly before anyone signs in.
    expect(problems).toEqual([]);

    await page.getByLabel("Account API key").fill(apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.locator("#connection").textContent(), { timeout: 10_000 })
      .toMatch(/^live · node \S+:\d+$/);

    const standup = page.locator("#conferences tr", { hasText: "Daily standup" });
    await standup.waitFor({ timeout: 10_000 });
    await standup.click();
    await page.locator("#participants li").first().waitFor({ timeout: 10_000 });

    // A simulated caller starts and stops talking: the indicator follows the WebSocket feed.
    await page
      .locator('#participants .talking[data-on="true"]')
      .first()
      .waitFor({ timeout: 20_000 });
    const talker = await page
      .locator('#participants li:has(.talking[data-on="true"])')
      .first()
      .getAttribute("data-participant");
    await page
      .locator(`#participants li[data-participant="${talker}"] .talking[data-on="false"]`)
      .waitFor({ timeout: 20_000 });

    // The host never leaves on its own: mute it and watch the simulator's mute-member arrive.
    const host = page.locator("#participants li", { hasText: "(host)" });
    const hostName = (await host.locator(".name").textContent()) ?? "";
    await host.getByRole("button", { name: `Mute ${hostName}` }).click();
    await host.locator(".badge.muted").waitFor({ timeout: 10_000 });

    await page.getByRole("button", { name: "Lock", exact: true }).click();
    await expect
      .poll(() => standup.locator("td").nth(4).textContent(), { timeout: 10_000 })
      .toBe("locked");

    // Keyboard: the conference rows and buttons are reachable and operable without a mouse.
    await standup.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#detail-title").textContent()).toBe("Daily standup");

    // The whole session ran without a console error, an uncaught exception or a failed request
    // (the dashboard's modules included).
    expect(problems).toEqual([]);

    mkdirSync(resolve(import.meta.dirname, "artifacts"), { recursive: true });
    await page.screenshot({
      path: resolve(import.meta.dirname, "artifacts/dashboard.png"),
      fullPage: true,
    });
  });
});
