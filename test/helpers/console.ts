/**
 * The operator console in Chromium: sign in through the page as an operator does, and keep a
 * screenshot of each main screen under test/artifacts/ (CI keeps them; the README's come from
 * the same page).
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";

const artifacts = resolve(import.meta.dirname, "../artifacts");

/** Signs in with an account's API key and waits for the live feed to be up. */
export async function signInThroughPage(page: Page, url: string, apiKey: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Account API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect
    .poll(() => page.locator("#connection").getAttribute("data-state"), { timeout: 10_000 })
    .toBe("live");
}

/** Saves a full-page screenshot as test/artifacts/<name>.png; answers its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = resolve(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Records every HTTP request the page makes; `check()` answers those that match no operation of
 * parley's OpenAPI document (method and path template), so a test proves the console uses only
 * the documented public API. The `/ws` feed is a WebSocket, not a request.
 */
export function recordApiCalls(page: Page, baseUrl: string): { check(): Promise<string[]> } {
  const calls = new Set<string>();
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(baseUrl).origin) {
      calls.add(`${request.method()} ${url.pathname}`);
    }
  });
  return {
    async check() {
      const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const operations = Object.entries(document.paths).flatMap(([template, methods]) => {
        const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
        return Object.keys(methods).map((method) => ({ method: method.toUpperCase(), pattern }));
      });
      return [...calls].filter((call) => {
        const [method, path] = call.split(" ") as [string, string];
        return !operations.some((op) => op.method === method && op.pattern.test(path));
      });
    },
  };
}

/** True when the page is wider than its viewport: something pushes it out sideways. */
export function scrollsSideways(page: Page): Promise<boolean> {
  // A string, evaluated in the page: this file is type-checked without the DOM's types.
  return page.evaluate<boolean>(
    "document.documentElement.scrollWidth > document.documentElement.clientWidth",
  );
}
