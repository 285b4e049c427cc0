/**
 * The console's sign-in, account and accounts screens in real Chromium against a real parley:
 * which credential the sign-in wants and why one was refused, the admin opening any account,
 * and an API key rotated from the console (the old key refused by the API afterwards).
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { launchChromium, watchForProblems } from "./helpers/chromium";
import {
  recordApiCalls,
  saveScreenshot,
  scrollsSideways,
  signInThroughPage,
} from "./helpers/console";
import { ADMIN_TOKEN, startServer } from "./helpers/server";

/** The refusals a sign-in test provokes on purpose; anything else is a problem. */
function unexpected(problems: string[]): string[] {
  return problems.filter(
    (p) =>
      !/HTTP 401: .*\/v2\/(api_auth|accounts)$/.test(p) &&
      !/status of 401 \(Unauthorized\)/.test(p),
  );
}

async function submit(page: Page, value: string): Promise<string> {
  await page.locator("#api-key").fill(value);
  await page.getByRole("button", { name: "Sign in" }).click();
  const error = page.locator("#sign-in-error");
  await expect.poll(() => error.textContent()).not.toBe("");
  return (await error.textContent()) ?? "";
}

describe("the console's sign-in", () => {
  it("has an icon, says which credential it wants and why a pasted token, the admin token or an unknown key was refused", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchForProblems(page);
    await page.goto(server.url);

    await expect.poll(() => page.locator("#sign-in-help").textContent()).toMatch(/API key/);
    // The tab has parley's icon, and so do the pages that have none (/docs, a JSON route).
    for (const path of [
      await page.evaluate<string>(`document.querySelector("link[rel=icon]").href`),
      `${server.url}/favicon.ico`,
    ]) {
      const icon = await fetch(path);
      expect(icon.status).toBe(200);
      expect(icon.headers.get("content-type")).toBe("image/svg+xml");
      expect(await icon.text()).toMatch(/^<svg /);
    }
    expect(await submit(page, account.token)).toMatch(/That is an auth token .*not an API key/);
    expect(await submit(page, "not-a-key-anyone-has")).toMatch(
      /No account has that API key.*rotate-key/,
    );
    await saveScreenshot(page, "console-sign-in");

    // The admin token in the key's field: refused with why, and the admin choice made for them.
    expect(await submit(page, ADMIN_TOKEN)).toMatch(/That is the admin token/);
    expect(await page.getByLabel("The admin token").isChecked()).toBe(true);
    await expect.poll(() => page.locator("#credential-label").textContent()).toBe("Admin token");
    // …and an API key in the admin's field.
    expect(await submit(page, account.apiKey)).toMatch(/That is not the admin token/);

    expect(unexpected(problems)).toEqual([]);
  });
});

describe("the admin in the console", () => {
  it("lists the accounts, creates one with its key shown once, and opens any account's live view", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const acme = await createAccount(api, "Acme");
    await createConference(api, acme, { name: "Board meeting" });
    await createAccount(api, "Globex");
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchForProblems(page);
    const calls = recordApiCalls(page, server.url);
    await page.goto(server.url);

    await page.getByLabel("The admin token").check();
    await page.getByLabel("Admin token", { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    const rows = page.locator("#accounts-screen tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator("#who").textContent()).toBe("admin");

    await page.locator("#accounts-screen").getByLabel("Name", { exact: true }).fill("Initech");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => rows.count()).toBe(3);
    const key = await page.locator("#accounts-screen input.new-key").inputValue();
    const exchanged = await api.put("/v2/api_auth", { body: { data: { api_key: key } } });
    expect(exchanged.status).toBe(201);
    expect(exchanged.body.data.account_name).toBe("Initech");
    await saveScreenshot(page, "console-accounts");

    await page.getByRole("button", { name: "Open Acme" }).click();
    await page.locator("#conferences tr", { hasText: "Board meeting" }).waitFor();
    await expect.poll(() => page.locator("#connection").getAttribute("data-state")).toBe("live");
    expect(await page.locator("#who").textContent()).toBe("admin · viewing Acme");
    expect(problems).toEqual([]);
    expect(await calls.check()).toEqual([]);
  });
});

describe("the account screen", () => {
  it("rotates the API key after a confirmation: the new key is shown once and the old one stops working", async () => {
    const server = await startServer();
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchForProblems(page);
    const calls = recordApiCalls(page, server.url);
    await signInThroughPage(page, server.url, account.apiKey);

    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Account · Acme" }).waitFor();
    expect(await page.locator("#account-screen").textContent()).toContain(account.id);

    // Cancel first: nothing changes.
    await page.getByRole("button", { name: "Rotate the API key of Acme" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    const stillGood = await api.put("/v2/api_auth", {
      body: { data: { api_key: account.apiKey } },
    });
    expect(stillGood.status).toBe(201);

    await page.getByRole("button", { name: "Rotate the API key of Acme" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate key" }).click();
    const newKey = page.locator("#account-screen input.new-key");
    await newKey.waitFor();
    const key = await newKey.inputValue();
    expect(key).not.toBe(account.apiKey);
    await saveScreenshot(page, "console-account");

    const old = await api.put("/v2/api_auth", { body: { data: { api_key: account.apiKey } } });
    expect(old.status).toBe(401);
    const fresh = await api.put("/v2/api_auth", { body: { data: { api_key: key } } });
    expect(fresh.status).toBe(201);

    // The rotation retired the console's token with the old key; it signed itself in again with
    // the new one, so it keeps working.
    await page.getByRole("link", { name: "Live" }).click();
    await expect.poll(() => page.locator("#board").isVisible()).toBe(true);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Account · Acme" }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    expect(problems).toEqual([]);
    expect(await calls.check()).toEqual([]);
  });
});
