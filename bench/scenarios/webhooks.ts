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

export async function webhooks(quick: boolean): Promise<Row[]> {
  const events = quick ? 1000 : 20_000;
  const endpoints = 10;
  const names = topology();
  const dir = tempDir("webhooks");
  const parley = await startParley(
    brokerEnv(names, `${dir}/parley.db`, { WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" }),
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
  const rate = report.unique / ((report.last - started) / 1000);
  await parley.stop();
  await dropTopology(names);

  const bare = forkWorker<{ rate: number }>("bare-sender.ts");
  bare.send({ urls, secrets, count: expected });
  const { rate: bareRate } = await bare.next<{ rate: number }>("done");
  bare.stop();
  receivers.stop();

  const missing = expected - report.unique;
  return [
    {
      scenario: "webhooks",
      figure: `${expected.toLocaleString("en-US")} signed deliveries to ${endpoints} receivers`,
      unit: "/s",
      parley: rate,
      baseline: bareRate,
      ratio: ratioOf(rate, bareRate),
      target: "≥ 5,000/s",
      met: rate >= 5000,
    },
    {
      scenario: "webhooks",
      figure: "event → delivery p99",
      unit: "ms",
      parley: percentile(report.delays, 99),
      baseline: null,
      ratio: null,
      target: "",
      met: null,
    },
    {
      scenario: "webhooks",
      figure: "missing / unverified deliveries",
      unit: "",
      parley: missing + report.unverified,
      baseline: null,
      ratio: null,
      target: "0",
      met: missing === 0 && report.unverified === 0,
    },
  ];
}
