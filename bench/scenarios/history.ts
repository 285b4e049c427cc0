/**
 * history: 50 keep-alive connections reading one ended session's 1,000 events in one page
 * (`GET /v2/accounts/{A}/sessions/{S}/events?limit=1000`, about 1 MB per answer). Baseline: a
 * bare Hono app on @hono/node-server checking the same header and answering the same bytes from
 * the same SQLite file with one SQL query (bench/load/bare-history.ts).
 *
 * The session is made once, through RabbitMQ as a media server would report it; parley is
 * restarted on that database for each of its runs, and the baseline reads the file while parley
 * is stopped. Before anything is measured, both answers are compared: they must be the same
 * bytes but for the request id and the time.
 */
import { rmSync } from "node:fs";
import { forkWorker, type Parley, startParley, tempDir, waitFor } from "../lib/process";
import { compare, type Figure, type Scenario } from "../lib/scenario";
import {
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";

const EVENTS = 1000;
const CALLERS = 10;
const NODE = "bench-history";

interface Load {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** One run of a conference with `count` events: callers join, talk and mute, then all leave. */
function sessionEvents(accountId: string, conferenceId: string, count: number) {
  const call = (i: number) => `call-${i % CALLERS}`;
  const member = (i: number) => (i % CALLERS) + 1;
  const middle = ["start-talking", "stop-talking", "mute-member", "unmute-member"];
  const events = [];
  for (let i = 0; i < CALLERS; i += 1) {
    events.push(feedEvent("add-member", accountId, conferenceId, call(i), member(i)));
  }
  for (let i = 0; events.length < count - CALLERS; i += 1) {
    const name = middle[Math.floor(i / CALLERS) % middle.length] as string;
    events.push(feedEvent(name, accountId, conferenceId, call(i), member(i)));
  }
  for (let i = 0; i < CALLERS; i += 1) {
    events.push(feedEvent("del-member", accountId, conferenceId, call(i), member(i)));
  }
  return events;
}

async function load(url: string, headers: Record<string, string>, timing: object) {
  const worker = forkWorker<Load>("http-load.ts");
  try {
    worker.send({ url, method: "GET", headers, ...timing });
    return await worker.next<Load>("done");
  } finally {
    worker.stop();
  }
}

/** An answer without what differs per request (its id and the time). */
function comparable(text: string): string {
  return text
    .replace(/"request_id":"[^"]*"/, '"request_id":""')
    .replace(/"timestamp":"[^"]*"/, '"timestamp":""');
}

/** The ended session's id once parley has taken its last event. */
async function endedSession(parley: Parley, accountId: string, headers: Record<string, string>) {
  let id = "";
  await waitFor(
    async () => {
      const res = await fetch(`${parley.url}/v2/accounts/${accountId}/sessions`, { headers });
      const body = (await res.json()) as { data?: Array<{ id: string; end_seq: number | null }> };
      const session = body.data?.[0];
      id = session?.id ?? "";
      return session?.end_seq === EVENTS;
    },
    30_000,
    `a session of ${EVENTS} events`,
  );
  return id;
}

function figures(): Figure[] {
  const what = `GET a session's ${EVENTS.toLocaleString("en-US")} events (one page)`;
  const ms = (p: string): Figure => ({
    ...compare(`p${p}`),
    label: `${what} p${p}`,
    unit: "ms",
    lowerIsBetter: true,
  });
  return [
    {
      ...compare("rps"),
      label: what,
      unit: "req/s",
      target: "≥ 0.5 × bare",
      met: (_p, _b, ratio) => ratio !== null && ratio >= 0.5,
    },
    ms("50"),
    ms("99"),
    {
      ...compare("failed"),
      label: `${what}: failed requests`,
      unit: "",
      ratio: false,
      target: "0",
      met: (p) => p === 0,
    },
  ];
}

export const history: Scenario = {
  name: "history",
  describe: `50 connections: GET one session's ${EVENTS.toLocaleString("en-US")} events in one page vs a bare Hono app reading the same rows from the same SQLite file with one query and answering the same bytes`,
  async prepare(quick) {
    const timing = { seconds: quick ? 2 : 5, warmup: quick ? 0 : 1 };
    const names = topology();
    const dir = tempDir("history");
    const database = `${dir}/parley.db`;
    const env = brokerEnv(names, database, { PARLEY_NODE_ID: NODE });
    const dispose = async () => {
      await dropTopology(names);
      rmSync(dir, { recursive: true, force: true });
    };
    let path = "";
    let headers: Record<string, string> = {};
    let bare: Record<string, string> = {};
    let expected = "";
    try {
      const parley = await startParley(env);
      try {
        const account = await createAccount(parley.url);
        headers = { "X-Auth-Token": account.token };
        const conferenceId = "0123456789abcdef0123456789abc0de";
        await publishAll(names.exchange, sessionEvents(account.id, conferenceId, EVENTS));
        const session = await endedSession(parley, account.id, headers);
        path = `/v2/accounts/${account.id}/sessions/${session}/events?limit=${EVENTS}`;
        const answer = await fetch(`${parley.url}${path}`, { headers });
        expected = await answer.text();
        const parsed = JSON.parse(expected) as { data: unknown[]; version: string };
        if (answer.status !== 200 || parsed.data.length !== EVENTS) {
          throw new Error(`the timeline answered ${answer.status}: ${expected.slice(0, 500)}`);
        }
        bare = {
          database,
          token: account.token,
          node: NODE,
          version: parsed.version,
          contentType: answer.headers.get("content-type") ?? "application/json",
        };
      } finally {
        await parley.stop();
      }
    } catch (error) {
      await dispose();
      throw error;
    }

    /** Starts the baseline on the stopped parley's file; checks it answers parley's bytes. */
    const startBare = async () => {
      const worker = forkWorker<{ url: string }>("bare-history.ts");
      try {
        worker.send(bare);
        const { url } = await worker.next<{ url: string }>("ready");
        const text = await fetch(`${url}${path}`, { headers }).then((r) => r.text());
        if (comparable(text) !== comparable(expected)) {
          throw new Error(
            `the baseline's answer differs from parley's (${text.length} against ${expected.length} bytes)`,
          );
        }
        return { worker, url };
      } catch (error) {
        worker.stop();
        throw error;
      }
    };
    // Checked once before the runs, so a baseline doing other work never gets measured.
    try {
      (await startBare()).worker.stop();
    } catch (error) {
      await dispose();
      throw error;
    }

    const runParley = async () => {
      const parley = await startParley(env);
      try {
        return await load(`${parley.url}${path}`, headers, timing);
      } finally {
        await parley.stop();
      }
    };
    const runBare = async () => {
      const { worker, url } = await startBare();
      try {
        return await load(`${url}${path}`, headers, timing);
      } finally {
        worker.stop();
      }
    };
    return [
      {
        sides: ["parley", "bare"],
        run: async (side) => {
          const result = side === "parley" ? await runParley() : await runBare();
          return { rps: result.rps, p50: result.p50, p99: result.p99, failed: result.failed };
        },
        figures: figures(),
        dispose,
      },
    ];
  },
};
