/**
 * The console's webhooks screen in real Chromium against a real parley and a real receiver: an
 * endpoint created through the form (the API's validation messages shown on their fields first),
 * a test event seen succeeding with its attempt, the receiver failing and the endpoint turning
 * failing, the failures replayed, the secret revealed and rotated, at desktop and phone widths.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { apiClient, createAccount } from "./helpers/api";
import { launchChromium, watchForProblems } from "./helpers/chromium";
import {
  recordApiCalls,
  saveScreenshot,
  scrollsSideways,
  signInThroughPage,
} from "./helpers/console";
import type { ReceivedRequest } from "./helpers/receiver";
import { startReceiver } from "./helpers/receiver";
import { startServer } from "./helpers/server";
import { verifyRequest, webhookPath } from "./helpers/webhooks";

/** How long a step may take to show: the page polls the API, and CI machines are busy. */
const soon = { timeout: 10_000 };

/** The one refusal the test provokes on purpose (the invalid form); anything else is a problem. */
function unexpected(problems: string[]): string[] {
  return problems.filter(
    (p) =>
      !/^HTTP 400: .*\/v2\/accounts\/[0-9a-f]+\/webhooks$/.test(p) &&
      !/status of 400 \(Bad Request\)/.test(p),
  );
}

/** The field of the webhooks screen labelled `label`: its wrapper, with its own alert. */
function fieldOf(page: Page, label: string) {
  return page
    .locator("#webhooks-screen .field")
    .filter({ has: page.getByLabel(label, { exact: true }) });
}

/** The badge of the newest delivery in the log. */
function newestStatus(page: Page) {
  return page.locator("#webhooks-screen tbody.delivery").first().locator(".badge").first();
}

describe("the webhooks screen in Chromium", () => {
  it("creates an endpoint, shows a test event and a failure with their attempts, replays failures, and reveals and rotates the secret", async () => {
    const server = await startServer({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      WEBHOOK_RETRY_SCHEDULE: "0.2",
    });
    const api = apiClient(server);
    const account = await createAccount(api, "Acme");
    const receiver = await startReceiver();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A step that cannot happen fails with its locator, well within the test's time.
    page.setDefaultTimeout(10_000);
    const problems = watchForProblems(page);
    const calls = recordApiCalls(page, server.url);
    await signInThroughPage(page, server.url, account.apiKey);

    const screen = page.locator("#webhooks-screen");
    await page.locator("#nav").getByRole("link", { name: "Webhooks" }).click();
    await screen.getByText("No endpoints yet").waitFor();
    await screen.getByRole("link", { name: "New endpoint" }).click();

    // The API's validation messages, each next to its field: no name, then a URL it refuses.
    await screen.getByLabel("URL", { exact: true }).fill("ftp://example.com/hook");
    await screen.getByRole("button", { name: "Create endpoint" }).click();
    await expect
      .poll(() => fieldOf(page, "Name").getByRole("alert").textContent(), soon)
      .toMatch(/at least 1/);
    await screen.getByLabel("Name", { exact: true }).fill("CRM");
    await screen.getByRole("button", { name: "Create endpoint" }).click();
    await expect
      .poll(() => fieldOf(page, "URL").getByRole("alert").textContent(), soon)
      .toMatch(/url/);
    expect(await fieldOf(page, "Name").getByRole("alert").count()).toBe(0);
    expect(await screen.getByLabel("URL", { exact: true }).getAttribute("aria-invalid")).toBe(
      "true",
    );
    // The catalogue's types are offered with their descriptions, the opt-in ones marked.
    const talking = page.locator("label.event-type", { hasText: "Participant started talking" });
    expect(await talking.locator(".badge.opt-in").count()).toBe(1);
    expect(await talking.textContent()).toMatch(/Opt-in only/);

    await screen.getByLabel("URL", { exact: true }).fill(`${receiver.url}/hook`);
    await screen.getByRole("button", { name: "Create endpoint" }).click();
    await expect.poll(() => page.evaluate("location.hash"), soon).toMatch(/^#webhooks\/wh_/);
    const webhookId = ((await page.evaluate("location.hash")) as string).split("/")[1] ?? "";
    await expect.poll(() => page.locator("#webhooks-screen h2").textContent(), soon).toBe("CRM");
    const state = page.locator("#webhooks-screen .endpoint-name .badge");
    expect(await state.textContent()).toBe("enabled");

    // A test event: its delivery appears, succeeds, and shows its attempt.
    await screen.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => newestStatus(page).textContent(), soon).toBe("succeeded");
    const newest = page.locator("#webhooks-screen tbody.delivery").first();
    expect(await newest.locator("button.expand").textContent()).toBe("webhook.ping");
    await newest.locator("button.expand").click();
    await expect.poll(() => newest.locator(".attempt-list li").count(), soon).toBe(1);
    expect(await newest.locator(".attempt-list").textContent()).toMatch(/HTTP 200/);
    await expect
      .poll(() => page.locator(".endpoint-facts").textContent(), soon)
      .toMatch(/Last attemptHTTP 200/);

    // The receiver fails: the endpoint turns failing and the delivery dies after its retry.
    receiver.setDefault({ status: 500, body: "receiver is down" });
    await screen.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => state.textContent(), soon).toBe("failing");
    await expect.poll(() => newestStatus(page).textContent(), soon).toBe("dead");
    const failed = page.locator("#webhooks-screen tbody.delivery").first();
    // Keyboard: the expand button is a button, so Enter opens the row.
    await failed.locator("button.expand").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => failed.locator(".attempt-list li").count(), soon).toBe(2);
    expect(await failed.locator(".attempt-list").textContent()).toMatch(
      /HTTP 500.*receiver is down.*HTTP 500/s,
    );

    // Replay what failed since the default (a day ago): it goes out again and succeeds.
    receiver.setDefault({ status: 200 });
    await screen.getByRole("button", { name: "Replay failed" }).click();
    await expect
      .poll(() => page.locator(".replay [role=status]").textContent(), soon)
      .toBe("1 delivery scheduled again.");
    await expect.poll(() => newestStatus(page).textContent(), soon).toBe("succeeded");
    await expect.poll(() => state.textContent(), soon).toBe("enabled");
    await expect.poll(() => failed.locator(".attempt-list li").count(), soon).toBe(3);

    // The log's search: one delivery by the beginning of its id among the test events; then
    // the events that never happened; then everything again.
    const rows = screen.locator("tbody.delivery");
    const replayedId = (await failed.locator(".delivery-id").textContent()) ?? "";
    await screen.getByLabel("Event type").selectOption("webhook.ping");
    await screen.getByLabel("Delivery or event id").fill(replayedId.slice(0, 12));
    await screen.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => rows.count(), soon).toBe(1);
    expect(await rows.locator(".delivery-id").textContent()).toBe(replayedId);
    await screen.getByLabel("Event type").selectOption("meeting.started");
    await screen.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => screen.getByText("No deliveries match.").count(), soon).toBe(1);
    await screen.getByRole("button", { name: "Clear" }).click();
    await expect.poll(() => rows.count(), soon).toBe(2);

    // The secret: masked, revealed (it verifies what the receiver got), rotated after a confirm.
    const secret = page.locator("#webhooks-screen code.secret");
    expect(await secret.textContent()).toMatch(/•/);
    await screen.getByRole("button", { name: "Reveal secret" }).click();
    await expect.poll(() => secret.textContent(), soon).toMatch(/^whsec_/);
    const revealed = (await secret.textContent()) ?? "";
    const last = receiver.requests.at(-1) as ReceivedRequest;
    expect(verifyRequest(last, revealed)).toMatchObject({ type: "webhook.ping" });
    await screen.getByRole("button", { name: "Rotate the signing secret of CRM" }).click();
    const dialog = page.getByRole("dialog", { name: "Rotate the signing secret of CRM?" });
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    await expect.poll(() => secret.textContent(), soon).not.toBe(revealed);
    const rotated = await api.get(`${webhookPath(account, webhookId)}/secret`, {
      token: account.token,
    });
    expect(await secret.textContent()).toBe(rotated.body.data.secret);

    // Delete asks first; Esc answers no, and the endpoint stays.
    await screen.getByRole("button", { name: "Delete", exact: true }).focus();
    await page.keyboard.press("Enter");
    const confirmDelete = page.getByRole("dialog", { name: "Delete the endpoint CRM?" });
    await confirmDelete.waitFor();
    await page.keyboard.press("Escape");
    await confirmDelete.waitFor({ state: "detached" });
    expect((await api.get(webhookPath(account, webhookId), { token: account.token })).status).toBe(
      200,
    );

    await rows.locator("button.expand").first().click();
    await saveScreenshot(page, "console-webhooks");

    // A phone's width: no screen of it scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await scrollsSideways(page)).toBe(false);
    await saveScreenshot(page, "console-webhooks-phone");
    await page.locator("#nav").getByRole("link", { name: "Webhooks" }).click();
    await page.locator("#webhooks-screen table.endpoints").waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await screen.getByRole("link", { name: "New endpoint" }).click();
    await screen.getByRole("button", { name: "Create endpoint" }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);

    expect(await calls.check()).toEqual([]);
    expect(unexpected(problems)).toEqual([]);
  }, 60_000);
});
