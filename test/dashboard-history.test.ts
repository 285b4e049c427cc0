/**
 * The dashboard's history view in real Chromium against a real parley: sessions recorded through
 * the embedded bus on a test clock (so every figure is exact), then read the way an operator
 * does, by links and the keyboard, from a conference and from the account-wide entry point.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { ParleyServer } from "../server/create-server";
import { apiClient, createAccount, createConference } from "./helpers/api";
import { launchChromium, watchForProblems } from "./helpers/chromium";
import { currentFeedEvent, type MemberState } from "./helpers/events";
import { embeddedBus } from "./helpers/live";
import { startServer } from "./helpers/server";

/** The recorded session starts here; earlier sessions are on the days before. */
const T0 = Date.parse("2026-03-02T09:00:00.000Z");
const at = (minutes: number, seconds = 0) => T0 + (minutes * 60 + seconds) * 1000;

/** A caller of the recorded sessions: who they are on the feed. */
interface Caller extends MemberState {
  callId: string;
  name: string;
}

const alice: Caller = { callId: "call-alice", name: "Alice", participantId: 11, isModerator: true };
const bob: Caller = { callId: "call-bob", name: "Bob", participantId: 12 };
const bobAgain: Caller = { ...bob, participantId: 15 };
const carol: Caller = { callId: "call-carol", name: "Carol", participantId: 13 };
const dave: Caller = { callId: "call-dave", name: "Dave", participantId: 21 };
const erin: Caller = { callId: "call-erin", name: "Erin", participantId: 22 };

/**
 * Publishes events on the embedded bus, each at its moment of the test clock: it waits for
 * each event to be committed before moving the clock, so every event gets exactly its time.
 */
function recorder(server: ParleyServer, accountId: string, setClock: (ms: number) => void) {
  let committed = 0;
  server.ingest.onCommitted((events) => {
    committed += events.length;
  });
  return async (when: number, conferenceId: string, event: string, caller: Caller) => {
    setClock(when);
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId, conferenceId, callId: caller.callId },
      caller,
    );
    body["Caller-ID-Name"] = caller.name;
    const target = committed + 1;
    embeddedBus(server).publishEvent(routingKey, body);
    await expect.poll(() => committed, { interval: 5 }).toBeGreaterThanOrEqual(target);
  };
}

/**
 * A parley holding a recorded history, and Chromium (1280×800, en-GB, UTC so every time reads
 * the same on any machine) signed in to its dashboard exactly as an operator signs in.
 */
async function dashboardWithHistory() {
  let clock = T0 - 21 * 86_400_000;
  const server = await startServer({ PARLEY_NODE_ID: "parley-1" }, { now: () => clock });
  const api = apiClient(server);
  const account = await createAccount(api, "Acme");
  const standup = await createConference(api, account, { name: "Daily standup" });
  const desk = await createConference(api, account, { name: "Support desk" });
  const record = recorder(server, account.id, (ms) => {
    clock = ms;
  });

  // Twenty earlier standups, one a day, so the list has more than one page.
  for (let day = 20; day >= 1; day -= 1) {
    await record(at(-day * 24 * 60), standup, "add-member", alice);
    await record(at(-day * 24 * 60 + 15 - day / 4), standup, "del-member", alice);
  }
  // Today's: three callers, Bob leaves and rejoins, talking, a mute, a deafen and a kick. Each
  // event carries the caller's state at that moment, as a media server sends it.
  const talking = (c: Caller): Caller => ({ ...c, talking: true });
  const mutedCarol: Caller = { ...carol, speak: false };
  const script: Array<[number, string, Caller]> = [
    [at(0), "add-member", alice],
    [at(0, 10), "add-member", bob],
    [at(0, 20), "add-member", carol],
    [at(0, 30), "start-talking", talking(bob)],
    [at(0, 45), "stop-talking", bob],
    [at(1), "start-talking", talking(alice)],
    [at(1, 20), "stop-talking", alice],
    [at(1, 30), "mute-member", mutedCarol],
    [at(2), "del-member", bob],
    [at(2, 15), "deaf-member", { ...mutedCarol, hear: false }],
    [at(2, 30), "add-member", bobAgain],
    [at(2, 40), "start-talking", talking(bobAgain)],
    [at(2, 45), "undeaf-member", mutedCarol],
    [at(2, 50), "stop-talking", bobAgain],
    [at(3), "unmute-member", carol],
    [at(3, 10), "kick-member", carol],
    [at(3, 10), "del-member", carol],
    [at(4), "del-member", bobAgain],
    [at(4), "del-member", alice],
  ];
  for (const [when, event, caller] of script) {
    await record(when, standup, event, caller);
  }
  // And one still going in another conference: the newest session of the account.
  await record(at(5), desk, "add-member", dave);
  clock = at(6);

  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: { width: 1280, height: 800 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const problems = watchForProblems(page);
  await page.goto(server.url);
  await page.getByLabel("Account API key").fill(account.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect
    .poll(() => page.locator("#connection").textContent(), { timeout: 10_000 })
    .toBe("live · node parley-1");
  return {
    page,
    problems,
    /** Records one more event of the Support desk's live session. */
    recordAtDesk: (when: number, event: string, caller: Caller) =>
      record(when, desk, event, caller),
    title: page.locator("#history-title"),
    rows: page.locator("#history-content tbody tr"),
    lanes: page.locator("#history-content li.lane"),
  };
}

describe("the dashboard's history view in Chromium", () => {
  it("opens a conference's history from its panel by keyboard, newest first, and pages with Load more", async () => {
    const { page, problems, title, rows } = await dashboardWithHistory();
    await page.locator("#conferences tr", { hasText: "Daily standup" }).click();
    await expect.poll(() => page.locator("#detail-title").textContent()).toBe("Daily standup");
    await page.getByRole("link", { name: "History of Daily standup" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => title.textContent()).toBe("History of Daily standup");
    expect(await page.locator("#board").isHidden()).toBe(true);
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.locator("#history-status").textContent()).toBe("20 sessions; more to load");
    expect(await cellTexts(rows.first())).toEqual([
      "2 Mar 2026, 09:00:00",
      "4:00",
      "last member left",
      "3",
      "3",
    ]);
    const starts = await rows
      .locator("time")
      .evaluateAll((els) => els.map((el) => el.getAttribute("datetime") ?? ""));
    expect(starts[0]).toBe("2026-03-02T09:00:00.000Z");
    expect(starts).toEqual([...starts].sort().reverse());

    await page.getByRole("button", { name: "Load more sessions" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => rows.count()).toBe(21);
    expect(await page.getByRole("button", { name: "Load more sessions" }).count()).toBe(0);
    // Focus moved to the first session of the new page, where reading goes on.
    const oldest = rows.nth(20).locator("a");
    expect(await oldest.evaluate((el) => el.matches(":focus"))).toBe(true);
    expect(await oldest.locator("time").getAttribute("datetime")).toBe("2026-02-10T09:00:00.000Z");

    // The trail leads back to the live screen, which was kept as it was.
    await page.getByRole("link", { name: "Live conferences" }).click();
    await page.locator("#board").waitFor();
    expect(await page.locator("#history").isHidden()).toBe(true);
    expect(await page.locator("#detail-title").textContent()).toBe("Daily standup");
    expect(problems).toEqual([]);
  });

  it("shows a session from the account-wide history: a lane per caller, a bar per stay, talking marks and the figures", async () => {
    const { page, problems, title, rows, lanes } = await dashboardWithHistory();
    await page.getByRole("link", { name: "All history" }).click();
    await expect.poll(() => title.textContent()).toBe("History of all conferences");
    await expect.poll(() => rows.count()).toBe(20);
    expect(await cellTexts(rows.first())).toEqual([
      "2 Mar 2026, 09:05:00",
      "Support desk",
      "1:00",
      "live",
      "1",
      "1",
    ]);
    expect((await cellTexts(rows.nth(1)))[1]).toBe("Daily standup");

    await rows.nth(1).locator("a").click();
    await expect.poll(() => title.textContent()).toBe("Daily standup, 2 Mar 2026, 09:00:00");
    await expect.poll(() => lanes.count()).toBe(3);
    expect(await lanes.locator(".who .name").allTextContents()).toEqual(["Alice", "Bob", "Carol"]);
    expect(await lanes.nth(0).locator(".badge.moderator").count()).toBe(1);
    expect(await lanes.locator(".badge.moderator").count()).toBe(1);
    // Four stays: Alice's, Bob's two (he rejoined) and Carol's.
    expect(await lanes.locator(".stay").count()).toBe(4);
    expect(await labels(lanes.nth(1).locator(".stay"))).toEqual([
      "Bob in 09:00:10–09:02:00 (1:50)",
      "Bob in 09:02:30–09:04:00 (1:30)",
    ]);
    expect(await labels(lanes.locator(".talk"))).toEqual([
      "Alice talking 09:01:00–09:01:20 (0:20)",
      "Bob talking 09:00:30–09:00:45 (0:15)",
      "Bob talking 09:02:40–09:02:50 (0:10)",
    ]);
    // Bars sit on the shared axis: Bob's second stay runs from 150 s to the end of 240 s.
    const track = await lanes.nth(1).locator(".track").boundingBox();
    const rejoin = await lanes.nth(1).locator(".stay").nth(1).boundingBox();
    expect(track && rejoin).toBeTruthy();
    if (track && rejoin) {
      expect((rejoin.x - track.x) / track.width).toBeCloseTo(150 / 240, 2);
      expect((rejoin.x + rejoin.width - track.x) / track.width).toBeCloseTo(1, 2);
    }

    const figures = page.locator("#history-content table[aria-label='Participants'] tbody tr");
    expect(await figures.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id")))).toEqual(
      [alice.callId, bob.callId, carol.callId],
    );
    expect(await cellTexts(figures.nth(0))).toEqual([
      "Alice moderator",
      "1",
      "4:00",
      "0:00",
      "0:00",
      "0:20 (1×)",
      "hung up",
    ]);
    expect(await cellTexts(figures.nth(1))).toEqual([
      "Bob",
      "2",
      "3:20",
      "0:00",
      "0:00",
      "0:25 (2×)",
      "hung up",
    ]);
    expect(await cellTexts(figures.nth(2))).toEqual([
      "Carol",
      "1",
      "2:50",
      "1:30",
      "0:30",
      "0:00 (0×)",
      "kicked by the media server",
    ]);

    // docs/history.png (the README's picture) is this screenshot (fixed clock, zone and node).
    const artifacts = resolve(import.meta.dirname, "artifacts");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, "history.png") });

    // On a phone: everything fits the width; nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.locator("html").evaluate((el) => el.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: resolve(artifacts, "history-390.png"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("runs a live session's open stay to the server's now and redraws it when someone joins", async () => {
    const { page, problems, rows, lanes, recordAtDesk } = await dashboardWithHistory();
    await page.getByRole("link", { name: "All history" }).click();
    await expect.poll(() => rows.count()).toBe(20);
    await rows.first().locator("a").click();
    await expect.poll(() => lanes.count()).toBe(1);
    expect(await page.locator("#history-status").textContent()).toBe(
      "Live; figures as of 09:06:00",
    );
    expect(await labels(lanes.locator(".stay.open"))).toEqual([
      "Dave in 09:05:00–09:06:00 (1:00), still in",
    ]);
    // Erin's join reaches the page over /ws, and the session on screen is read again.
    await recordAtDesk(at(6, 30), "add-member", erin);
    await expect.poll(() => lanes.count(), { timeout: 5_000 }).toBe(2);
    expect(await lanes.locator(".who .name").allTextContents()).toEqual(["Dave", "Erin"]);
    expect(await page.locator("#history-status").textContent()).toBe(
      "Live; figures as of 09:06:30",
    );
    expect(problems).toEqual([]);
  });
});

/** The text of each cell of a row, header cell first, whitespace squeezed. */
function cellTexts(row: Locator): Promise<string[]> {
  return row
    .locator("th, td")
    .evaluateAll((cells) => cells.map((c) => (c.textContent ?? "").replace(/\s+/g, " ").trim()));
}

/** The accessible labels of the bars, in document order. */
function labels(bars: Locator): Promise<string[]> {
  return bars.evaluateAll((els) => els.map((el) => el.getAttribute("aria-label") ?? ""));
}
