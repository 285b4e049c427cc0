/**
 * webhooks: events fanned out to 10 local keep-alive receivers that verify every signature:
 * deliveries per second and event → delivery p99, with nothing missing and nothing unverified.
 * Baseline: a bare signer + sender posting the same number of requests to the same receivers.
 */

import { forkWorker, startParley, tempDir, waitFor } from "../lib/process";
import { percentile, type Row, ratioOf } from "../lib/report";
import {
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";

interface Status {
  received: number;
  unique: number;
  unverified: number;
  first: number;
  last: number;
  delays: number[];
}

interface ParleyRun {
  rate: number;
  p99: number;
  missing: number;
  unverified: number;
}

/** parley delivering `events` mute toggles to `endpoints` fresh receivers; the receivers stay up. */
async function parleyWebhooks(events: number, endpoints: number, sync: "full" | "normal") {
  const names = topology();
  const dir = tempDir(`webhooks-${sync}`);
  const parley = await startParley(
    brokerEnv(names, `${dir}/parley.db`, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      PARLEY_DB_SYNC: sync,
    }),
  );
  const account = await createAccount(parley.url);
  const receivers = forkWorker("receivers.ts");
  receivers.send({ type: "listen", count: endpoints });
  const { urls } = await receivers.next<{ urls: string[] }>("listening");
  const secrets: string[] = [];
  for (const [i, url] of urls.entries()) {
    const created = await fetch(`${parley.url}/v2/accounts/${account.id}/webhooks`, {
      method: "PUT",
      headers: { "X-Auth-Token": account.token },
      body: JSON.stringify({
        data: {
          name: `r${i}`,
          url,
          event_types: ["meeting.participantMuted", "meeting.participantUnmuted"],
        },
      }),
    }).then((r) => r.json() as Promise<{ data: { secret: string } }>);
    secrets.push(created.data.secret);
  }
  receivers.send({ type: "secrets", secrets });
  await receivers.next("secrets");

  // One participant in each of 200 conferences, then mutes and unmutes: one webhook event each.
  const conferences = 200;
  await publishAll(
    names.exchange,
    Array.from({ length: conferences }, (_, i) =>
      feedEvent("add-member", account.id, `wh${i}`, `call-${i}`, 1),
    ),
  );
  const toggles = Array.from({ length: events }, (_, i) => {
    const conference = i % conferences;
    const muted = Math.floor(i / conferences) % 2 === 0;
    return feedEvent(
      muted ? "mute-member" : "unmute-member",
      account.id,
      `wh${conference}`,
      `call-${conference}`,
      1,
    );
  });
  const started = performance.timeOrigin + performance.now();
  await publishAll(names.exchange, toggles);
  const expected = events * endpoints;
  await waitFor(
    async () => {
      receivers.send({ type: "status" });
      const status = await receivers.next<Status>("status");
      return status.unique >= expected;
    },
    600_000,
    "every delivery",
  );
  receivers.send({ type: "report" });
  const report = await receivers.next<Status>("report");
  await parley.stop();
  await dropTopology(names);
  const run: ParleyRun = {
    rate: report.unique / ((report.last - started) / 1000),
    p99: percentile(report.delays, 99),
    missing: expected - report.unique,
    unverified: report.unverified,
  };
  return { run, receivers, urls, secrets };
}

export async function webhooks(quick: boolean): Promise<Row[]> {
  const events = quick ? 1000 : 20_000;
  const endpoints = 10;
  const expected = events * endpoints;
  // Durable by default (every commit synced), then with PARLEY_DB_SYNC=normal: what FULL costs.
  const normal = await parleyWebhooks(events, endpoints, "normal");
  normal.receivers.stop();
  const full = await parleyWebhooks(events, endpoints, "full");

  const bare = forkWorker<{ rate: number }>("bare-sender.ts");
  bare.send({ urls: full.urls, secrets: full.secrets, count: expected });
  const { rate: bareRate } = await bare.next<{ rate: number }>("done");
  bare.stop();
  full.receivers.stop();

  const rows: Row[] = [];
  for (const [sync, { run }] of [
    ["full", full],
    ["normal", normal],
  ] as const) {
    rows.push(
      {
        scenario: "webhooks",
        figure: `${expected.toLocaleString("en-US")} signed deliveries to ${endpoints} receivers, PARLEY_DB_SYNC=${sync}`,
        unit: "/s",
        parley: run.rate,
        baseline: bareRate,
        ratio: ratioOf(run.rate, bareRate),
        target: "≥ 5,000/s",
        met: run.rate >= 5000,
      },
      {
        scenario: "webhooks",
        figure: `event → delivery p99, PARLEY_DB_SYNC=${sync}`,
        unit: "ms",
        parley: run.p99,
        baseline: null,
        ratio: null,
        target: "",
        met: null,
      },
      {
        scenario: "webhooks",
        figure: `missing / unverified deliveries, PARLEY_DB_SYNC=${sync}`,
        unit: "",
        parley: run.missing + run.unverified,
        baseline: null,
        ratio: null,
        target: "0",
        met: run.missing === 0 && run.unverified === 0,
      },
    );
  }
  return rows;
}
