import { describe, expect, it } from "vitest";
import { createAccount } from "../helpers/api";
import { launchChromium } from "../helpers/chromium";
import { newCluster } from "../helpers/cluster";
import { currentFeedEvent, hexId } from "../helpers/events";
import { publishConfirmed } from "../helpers/stream";

describe("the dashboard on a cluster, in Chromium", () => {
  it("shows the node its feed is on and, when that node is SIGKILLed, moves to the next one of ?nodes= and misses no event", async () => {
    const cluster = newCluster();
    const n1 = await cluster.start("n1");
    const n2 = await cluster.start("n2");
    const account = await createAccount(n1.api);
    const conferenceId = hexId();
    const join = (n: number) =>
      currentFeedEvent(
        "add-member",
        { accountId: account.id, conferenceId, callId: `call-${n}` },
        { participantId: n },
      );

    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${n1.url}/?nodes=${encodeURIComponent(n2.url)}`);
    await page.getByLabel("Account API key").fill(account.apiKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    const status = () => page.locator("#connection").textContent();
    await expect.poll(status, { timeout: 10_000 }).toBe("live · node n1");

    const logged = (caller: string) =>
      page.locator("#log li", { hasText: new RegExp(`\\b${caller} joined `) }).count();
    await (await publishConfirmed(cluster.topology.exchange, [1, 2, 3].map(join))).done;
    await expect.poll(() => logged("Caller 3"), { timeout: 10_000 }).toBe(1);

    // n1 held the ingest too: the events published meanwhile reach the page through n2.
    await n1.kill();
    await (await publishConfirmed(cluster.topology.exchange, [4, 5, 6].map(join))).done;
    await expect.poll(status, { timeout: 20_000 }).toBe("live · node n2");
    await expect.poll(() => logged("Caller 6"), { timeout: 20_000 }).toBe(1);
    for (const n of [1, 2, 3, 4, 5, 6]) {
      expect(await logged(`Caller ${n}`), `log lines for Caller ${n}`).toBe(1);
    }
  });
});
