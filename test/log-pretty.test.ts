import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { createLogger, prettyDestination } from "../server/logger";
import { spawnParley } from "./helpers/process";

const ADMIN_TOKEN = "terminal-admin-token-0123456789";

/** Runs parley's node command inside `script`, so its stdout is a pseudo-terminal. */
const underTerminal = ["sh", "-c", 'exec script -qfec "$*" /dev/null', "script"];

/** Everything a destination writes, as text. */
function collector(): { out: Writable; text: () => string } {
  let text = "";
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { out, text: () => text };
}

describe("terminal log lines", () => {
  it("a real parley on a terminal prints readable lines, not JSON, and no secret", async () => {
    const parley = spawnParley(
      {
        PARLEY_DB: ":memory:",
        PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: "debug",
        TERM: "xterm-256color",
      },
      { wrap: underTerminal },
    );
    const url = await parley.ready();
    const created = await fetch(`${url}/v2/accounts`, {
      method: "PUT",
      headers: { "X-Auth-Token": ADMIN_TOKEN },
      body: JSON.stringify({ data: { name: "Acme" } }),
    }).then((r) => r.json() as Promise<{ data: { id: string; api_key: string } }>);
    const auth = await fetch(`${url}/v2/api_auth`, {
      method: "PUT",
      body: JSON.stringify({ data: { api_key: created.data.api_key } }),
    }).then((r) => r.json() as Promise<{ auth_token: string }>);
    await fetch(`${url}/v2/accounts/${created.data.id}/conferences`, {
      headers: { "X-Auth-Token": auth.auth_token },
    });

    const lines = () => stripVTControlCharacters(parley.stdout()).split(/\r?\n/).filter(Boolean);
    await expect
      .poll(lines)
      .toContainEqual(expect.stringMatching(/ DEBUG: .*\/v2\/accounts\/[0-9a-f]{32}\/conferences/));
    const output = lines();
    expect(output[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO: parley listening on port \d+ \(embedded in-process bus\) \{"port":\d+,"bus":"embedded",/,
    );
    for (const line of output) {
      expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /);
    }
    // colour, because stdout is a terminal
    expect(parley.stdout()).toContain("\x1b[32mINFO\x1b[39m");
    const everything = parley.stdout() + parley.stderr();
    for (const secret of [ADMIN_TOKEN, created.data.api_key, auth.auth_token]) {
      expect(everything).not.toContain(secret);
    }
    parley.child.kill("SIGTERM");
    await parley.exited;
  });

  it("prints an entry as time, level, message and its fields on one line, redacted", () => {
    const { out, text } = collector();
    const logger = createLogger("info", prettyDestination(out, false));
    logger.warn(
      {
        events: 12,
        reason: "database is locked",
        token: "tok-s3cret",
        webhook: { secret: "whsec_s3cret" },
        headers: { "x-auth-token": "hdr-s3cret" },
      },
      "batch not committed; requeued",
    );
    expect(text()).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN: batch not committed; requeued \{"events":12,"reason":"database is locked","token":"\[redacted\]","webhook":\{"secret":"\[redacted\]"\},"headers":\{"x-auth-token":"\[redacted\]"\}\}\n$/,
    );
    expect(text()).not.toContain("s3cret");
    expect(text()).not.toContain("\x1b[");
  });

  it("colours the level when asked to, and keeps an error's stack readable", () => {
    const { out, text } = collector();
    const logger = createLogger("info", prettyDestination(out, true));
    logger.error(new Error("disk full"), "batch failed");
    expect(text()).toContain("\x1b[31mERROR\x1b[39m");
    const plain = stripVTControlCharacters(text());
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR: batch failed/);
    expect(plain).toContain("Error: disk full");
  });
});
