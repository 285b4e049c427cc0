/**
 * The console's live screen and conference editor in real Chromium against a real parley running
 * the switch simulator, with real data's rough edges: a conference known only from its events
 * (no document, no name), one whose name is blank (its number names it) and one whose name has
 * no space to wrap at. Each behaviour is driven the way an operator drives it, mostly by
 * keyboard, and every request the page makes is watched (a refusal a test provokes on purpose
 * is the only one allowed).
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { apiClient, createConference, type Json, type TestAccount } from "./helpers/api";
import { launchChromium, watchForProblems } from "./helpers/chromium";
import {
  recordApiCalls,
  saveScreenshot,
  scrollsSideways,
  signInThroughPage,
} from "./helpers/console";
import { currentFeedEvent, hexId } from "./helpers/events";
import { captureCommands, embeddedBus } from "./helpers/live";
import { startServer } from "./helpers/server";

/** A name with no space to break at: it must wrap inside its cell, not widen the table. */
const longName = "Quarterly-planning-with-the-whole-engineering-organisation-and-guests";

/**
 * A parley with the simulator's three conferences, three stored ones with awkward names, and a
 * conference known only from the events of its two callers; Chromium signed in to its console.
 */
async function liveConsole(viewport = { width: 1280, height: 800 }) {
  const server = await startServer({ PARLEY_SIMULATE: "1" });
  const api = apiClient(server);
  const simulation = server.simulation;
  if (!simulation?.createdApiKey) {
    throw new Error("the simulator should have created the demo account");
  }
  const auth = await api.put("/v2/api_auth", {
    body: { data: { api_key: simulation.createdApiKey } },
  });
  const account: TestAccount = {
    id: simulation.accountId,
    name: "demo",
    apiKey: simulation.createdApiKey,
    token: auth.body.auth_token,
  };
  const numbered = await createConference(api, account, {
    name: "  ",
    conference_numbers: ["4100"],
  });
  const long = await createConference(api, account, { name: longName });
  const support = await createConference(api, account, {
    name: "Support line",
    ui_metadata: { ui: "monster-ui", origin: "conferences" },
  });
  const bus = embeddedBus(server);
  const commands = captureCommands(bus);

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport, locale: "en-GB", timezoneId: "UTC" });
  const problems = watchForProblems(page);
  const calls = recordApiCalls(page, server.url);
  await signInThroughPage(page, server.url, account.apiKey);
  await page.locator("#conferences tr", { hasText: "Daily standup" }).waitFor();

  // Two callers of a conference no document describes, as a media server reports them.
  const adHoc = hexId();
  const callers = [
    { callId: "call-ada", name: "Ada Lovelace", participantId: 7, isModerator: true },
    { callId: "call-alan", name: "Alan Turing", participantId: 8 },
  ];
  const publish = (event: string, caller?: (typeof callers)[number]) => {
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId: account.id, conferenceId: adHoc, callId: caller?.callId },
      caller,
    );
    if (caller) {
      body["Caller-ID-Name"] = caller.name;
    }
    bus.publishEvent(routingKey, body);
  };
  publish("conference-create");
  for (const caller of callers) {
    publish("add-member", caller);
  }
  await page.locator(`#conferences tr[data-id="${adHoc}"]`).waitFor();

  return {
    server,
    api,
    account,
    page,
    problems,
    commands,
    publish,
    /** Requests the page made that parley's OpenAPI document does not describe. */
    undocumented: () => calls.check(),
    ids: { numbered, long, support, adHoc },
    row: (text: string) => page.locator("#conferences tr", { hasText: text }),
    log: page.locator("#log li"),
    /** Opens a conference from its row by keyboard and waits for its panel. */
    open: async (id: string, title: string) => {
      await page.locator(`#conferences tr[data-id="${id}"]`).focus();
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator("#detail-title").textContent()).toBe(title);
    },
  };
}

/** The problems left once those a test provoked on purpose (`expected`) are taken out. */
function unexpected(problems: string[], ...expected: RegExp[]): string[] {
  return problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));
}

/** Whether the element `selector` names has the keyboard focus. */
function focused(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).evaluate(isFocused);
}

describe("the console's live screen in Chromium", () => {
  it("names every conference readably: its name, else its number, else a short id with the full id in a tooltip", async () => {
    const { page, problems, ids, row } = await liveConsole();
    const names = page.locator("#conferences td.conference-name");
    await expect
      .poll(() => names.allTextContents())
      .toEqual([
        "Daily standup",
        "Sales weekly",
        "Board room",
        "4100",
        longName,
        "Support line",
        ids.adHoc.slice(0, 8),
      ]);
    const adHocName = page.locator(`#conferences tr[data-id="${ids.adHoc}"] td.conference-name`);
    expect(await adHocName.getAttribute("title")).toContain(ids.adHoc);
    expect(await row("4100").locator("td").nth(4).textContent()).toBe("open");
    // Neither the long name nor the ids push the table out of its panel.
    // (A string, evaluated in the page: this file is type-checked without the DOM's types.)
    const fits = await page.evaluate<boolean>(
      `document.querySelector(".conference-table").getBoundingClientRect().right <=
       document.querySelector("#board > .panel").getBoundingClientRect().right`,
    );
    expect(fits).toBe(true);
    expect(await scrollsSideways(page)).toBe(false);
    expect(problems).toEqual([]);
  });

  it("says in the event log, in sentences, who did what in which conference, by name and never by id", async () => {
    const { page, problems, ids, log, open } = await liveConsole();
    const short = ids.adHoc.slice(0, 8);
    await log.filter({ hasText: `Ada Lovelace joined ${short}` }).waitFor();
    await log.filter({ hasText: `Alan Turing joined ${short}` }).waitFor();
    await log
      .filter({ hasText: /\S+ started talking in (Daily standup|Sales weekly|Board room)$/ })
      .first()
      .waitFor({ timeout: 20_000 });
    await open(await idOf(page, "Daily standup"), "Daily standup");
    await page.getByRole("button", { name: "Lock", exact: true }).click();
    await log.filter({ hasText: "Asked the media server to lock Daily standup." }).waitFor();
    await log.filter({ hasText: /^\S+ Daily standup was locked$/ }).waitFor();
    const lines = await log.locator(".what").allTextContents();
    expect(lines.filter((line) => /[0-9a-f]{32}/.test(line))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows whether the open conference is locked and offers only the one of Lock and Unlock that applies", async () => {
    const { page, problems, open, row } = await liveConsole();
    await open(await idOf(page, "Daily standup"), "Daily standup");
    const state = page.locator("#detail-state .badge");
    await expect.poll(() => state.allTextContents()).toEqual(["unlocked", "live"]);
    const lock = page.getByRole("button", { name: "Lock", exact: true });
    const unlock = page.getByRole("button", { name: "Unlock", exact: true });
    expect(await unlock.count()).toBe(0);

    await lock.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => state.allTextContents()).toEqual(["locked", "live"]);
    expect(await lock.count()).toBe(0);
    await expect.poll(() => row("Daily standup").locator("td").nth(4).textContent()).toBe("locked");
    // The same button, so the focus stayed on it: pressing it again unlocks.
    expect(await unlock.evaluate(isFocused)).toBe(true);
    await page.locator("#participants li").first().waitFor();
    await saveScreenshot(page, "console-live");

    await page.keyboard.press("Enter");
    await expect.poll(() => state.allTextContents()).toEqual(["unlocked", "live"]);
    expect(await unlock.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("kicks a caller only once the operator confirms: Esc and Cancel change nothing and give the focus back", async () => {
    const { page, problems, open, commands } = await liveConsole();
    const standup = await idOf(page, "Daily standup");
    await open(standup, "Daily standup");
    const host = page.locator("#participants li", { hasText: "(host)" });
    const hostName = (await host.locator(".name").textContent()) ?? "";
    const kick = host.getByRole("button", { name: `Kick ${hostName}` });
    const dialog = page.getByRole("dialog", { name: `Kick ${hostName} out of Daily standup?` });
    const kicks = () =>
      commands.filter(
        (c) => c.command["Application-Name"] === "kick" && c.command["Conference-ID"] === standup,
      );

    await kick.focus();
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    // Cancel has the focus first: a stray Enter destroys nothing.
    expect(await dialog.getByRole("button", { name: "Cancel" }).evaluate(isFocused)).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await kick.evaluate(isFocused)).toBe(true);

    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await kick.evaluate(isFocused)).toBe(true);
    expect(kicks()).toEqual([]);
    expect(await host.count()).toBe(1);

    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: `Kick ${hostName}` }).click();
    await host.waitFor({ state: "detached", timeout: 10_000 });
    expect(kicks()).toHaveLength(1);
    // The row that had the focus left: the focus is on the list, not lost on the page.
    await expect.poll(() => focused(page, "#participants")).toBe(true);
    expect(problems).toEqual([]);
  });

  it("asks before kicking everyone out, and then sends a kick for every caller", async () => {
    const { page, problems, open, commands, ids } = await liveConsole();
    await open(ids.adHoc, ids.adHoc.slice(0, 8));
    await expect.poll(() => page.locator("#participants li").count()).toBe(2);
    // Known only from its events: there is no document to edit.
    expect(await page.locator("#detail-edit").isHidden()).toBe(true);
    const kickAll = page.getByRole("button", { name: "Kick all" });
    const dialog = page.getByRole("dialog", {
      name: `Kick everyone out of ${ids.adHoc.slice(0, 8)}?`,
    });
    await kickAll.click();
    expect(await dialog.locator("p").textContent()).toContain("all 2 callers");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(commands.filter((c) => c.command["Conference-ID"] === ids.adHoc)).toEqual([]);

    await kickAll.click();
    await dialog.getByRole("button", { name: "Kick everyone" }).click();
    await expect
      .poll(() =>
        commands
          .filter((c) => c.command["Conference-ID"] === ids.adHoc)
          .map((c) => c.command["Application-Name"]),
      )
      .toEqual(["kick", "kick"]);
    await page
      .locator("#detail-status", { hasText: "Asked the media server to kick everyone out of" })
      .waitFor();
    expect(problems).toEqual([]);
  });

  it("shows an action's failure next to the caller it was for", async () => {
    const { page, problems, open } = await liveConsole();
    await open(await idOf(page, "Daily standup"), "Daily standup");
    // The broker is down: parley answers what it answers then (503, nothing sent).
    await page.route(/\/participants\/\d+$/, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({
          data: { message: "message broker unavailable; no command was sent" },
          error: "503",
          message: "service_unavailable",
          status: "error",
        }),
      }),
    );
    const host = page.locator("#participants li", { hasText: "(host)" });
    const hostName = (await host.locator(".name").textContent()) ?? "";
    await host.getByRole("button", { name: `Deafen ${hostName}` }).click();
    const error = host.getByRole("alert");
    await expect
      .poll(() => error.textContent())
      .toBe(
        `Could not deafen ${hostName} in Daily standup: message broker unavailable; no command was sent`,
      );
    expect(await host.locator(".badge.deaf").count()).toBe(0);
    expect(
      unexpected(
        problems,
        /^HTTP 503: \S+\/participants\/\d+$/,
        /status of 503 .*\/participants\/\d+\)$/,
      ),
    ).toEqual([]);
  });

  it("says plainly that no media server runs a conference, and sends nothing for it", async () => {
    const { page, problems, open, commands, ids } = await liveConsole();
    await open(ids.numbered, "4100");
    await expect
      .poll(() => page.locator("#detail-state .badge").allTextContents())
      .toEqual(["unlocked", "not running"]);
    const lock = page.getByRole("button", { name: "Lock", exact: true });
    expect(await lock.getAttribute("aria-disabled")).toBe("true");
    await lock.focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator("#detail-error").textContent())
      .toBe("No media server is running 4100; nothing to lock. It runs once someone dials in.");
    // Playwright's click waits for an enabled button; an operator's click or key does not.
    await page.getByRole("button", { name: "Mute all", exact: true }).focus();
    await page.keyboard.press("Space");
    await expect
      .poll(() => page.locator("#detail-error").textContent())
      .toMatch(/^No media server is running 4100; nobody to mute\./);
    expect(commands.filter((c) => c.command["Conference-ID"] === ids.numbered)).toEqual([]);
    expect(await page.locator("#participants-empty").textContent()).toContain("no media server");
    expect(problems).toEqual([]);
  });
});

describe("the console's conference editor in Chromium", () => {
  it("creates a conference: the API's validation error shows on its field first, then the saved conference opens", async () => {
    const { page, undocumented, problems, api, account } = await liveConsole();
    await page.getByRole("link", { name: "New conference" }).click();
    await expect.poll(() => page.locator("#editor-title").textContent()).toBe("New conference");
    await page.getByLabel("Name", { exact: true }).fill("Weekly review");
    await page.getByLabel("Conference numbers").fill("4200, 4201");
    const pins = page.getByLabel("Member PINs");
    await pins.fill("1234, 12a4");
    await page.getByRole("button", { name: "Create conference" }).click();

    await expect.poll(() => pins.getAttribute("aria-invalid")).toBe("true");
    const errorId = (await pins.getAttribute("aria-describedby"))?.split(" ").at(-1) ?? "";
    expect(await page.locator(`#${errorId}`).textContent()).toBe(
      "“12a4”: Failed to match pattern '^[0-9]+$'",
    );
    expect(await pins.evaluate(isFocused)).toBe(true);
    expect(await page.locator(".form-error").textContent()).toBe(
      "The conference was not saved: a field needs attention.",
    );
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBeNull();
    await saveScreenshot(page, "console-editor");

    await pins.fill("1234 5678");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#detail-title").textContent()).toBe("Weekly review");
    expect(await page.locator("#board").isVisible()).toBe(true);
    expect(await focused(page, "#detail-title")).toBe(true);
    const selected = page.locator('#conferences tr[aria-selected="true"]');
    expect(await selected.locator("td.conference-name").textContent()).toBe("Weekly review");
    const id = (await selected.getAttribute("data-id")) ?? "";
    const stored = await api.get(`/v2/accounts/${account.id}/conferences/${id}`, {
      token: account.token,
    });
    expect(stored.body.data).toMatchObject({
      name: "Weekly review",
      conference_numbers: ["4200", "4201"],
      member: { pins: ["1234", "5678"], join_muted: true },
    });
    // The saved form is not in the tab's history: Back leaves the live screen for the page's
    // start, not for the editor again.
    expect(await page.evaluate<string>("location.hash")).toBe("#live");
    await page.goBack();
    await expect.poll(() => page.evaluate<string>("location.hash")).not.toBe("#live");
    expect(await page.evaluate<string>("location.hash")).not.toMatch(/^#conferences\/new/);
    expect(await undocumented()).toEqual([]);
    expect(
      unexpected(
        problems,
        /^HTTP 400: \S+\/conferences$/,
        /status of 400 \(Bad Request\) \(\S+\/conferences\)$/,
      ),
    ).toEqual([]);
  });

  it("edits a conference and keeps the keys of its document the form does not show", async () => {
    const { page, undocumented, problems, api, account, ids, open } = await liveConsole();
    await open(ids.support, "Support line");
    await page.getByRole("link", { name: "Edit Support line" }).click();
    const name = page.getByLabel("Name", { exact: true });
    await expect.poll(() => name.inputValue()).toBe("Support line");
    await name.fill("Support line (EU)");
    await page.getByLabel("Require a moderator").check();
    await page.getByLabel("Entry tone", { exact: true }).selectOption("off");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator("#detail-title").textContent()).toBe("Support line (EU)");
    await expect
      .poll(() =>
        page.locator(`#conferences tr[data-id="${ids.support}"] td`).first().textContent(),
      )
      .toBe("Support line (EU)");
    const stored = await api.get(`/v2/accounts/${account.id}/conferences/${ids.support}`, {
      token: account.token,
    });
    const doc: Json = stored.body.data;
    expect(doc).toMatchObject({
      name: "Support line (EU)",
      require_moderator: true,
      play_entry_tone: false,
      ui_metadata: { ui: "monster-ui", origin: "conferences" },
    });
    expect(doc).not.toHaveProperty("wait_for_moderator");
    expect(doc).not.toHaveProperty("play_exit_tone");
    expect(await undocumented()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("deletes a conference only once the operator confirms", async () => {
    const { page, undocumented, problems, api, account, ids, open } = await liveConsole();
    await open(ids.long, longName);
    await page.getByRole("link", { name: `Edit ${longName}` }).click();
    const remove = page.getByRole("button", { name: "Delete conference" });
    await remove.click();
    const dialog = page.getByRole("dialog", { name: `Delete ${longName}?` });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await remove.evaluate(isFocused)).toBe(true);
    expect(await page.locator("#conference-editor").isVisible()).toBe(true);

    await remove.click();
    await dialog.getByRole("button", { name: "Delete conference" }).click();
    await page.locator("#board").waitFor();
    await page.locator(`#conferences tr[data-id="${ids.long}"]`).waitFor({ state: "detached" });
    expect(await page.locator("#detail").isHidden()).toBe(true);
    const gone = await api.get(`/v2/accounts/${account.id}/conferences/${ids.long}`, {
      token: account.token,
    });
    expect(gone.status).toBe(404);
    expect(await undocumented()).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe("the console on a phone", () => {
  it("fits 390 px: the live screen and the editor never scroll sideways", async () => {
    const { page, undocumented, problems, ids, open } = await liveConsole({
      width: 390,
      height: 844,
    });
    await open(ids.adHoc, ids.adHoc.slice(0, 8));
    await page.locator("#participants li").first().waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await open(ids.long, longName);
    expect(await scrollsSideways(page)).toBe(false);
    await open(await idOf(page, "Daily standup"), "Daily standup");
    await page.locator("#participants li").first().waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    await saveScreenshot(page, "console-narrow");

    await page.getByRole("link", { name: "New conference" }).click();
    await page.getByLabel("Name", { exact: true }).waitFor();
    expect(await scrollsSideways(page)).toBe(false);
    expect(await undocumented()).toEqual([]);
    expect(problems).toEqual([]);
  });
});

/** The id of the conference whose row is named `name`. */
async function idOf(page: Page, name: string): Promise<string> {
  const row = page.locator("#conferences tr", { hasText: name }).first();
  return (await row.getAttribute("data-id")) ?? "";
}

/** Run in the page: whether `el` has the keyboard focus. */
function isFocused(el: { matches(selector: string): boolean }): boolean {
  return el.matches(":focus");
}
