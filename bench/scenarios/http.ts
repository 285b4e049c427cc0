/**
 * http: autocannon, 50 connections: `GET /conferences/{C}` with 20 live participants, and
 * `PUT …/participants/{P}` mute (a command confirmed by RabbitMQ). Baseline: hello-world Hono on
 * @hono/node-server.
 */

import { forkWorker, startParley, tempDir, waitFor } from "../lib/process";
import { type Row, ratioOf } from "../lib/report";
import {
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  method: string,
  headers: Record<string, string>,
  seconds: number,
  body?: string,
): Promise<Load> {
  const worker = forkWorker<Load>("http-load.ts");
  worker.send({ url, method, headers, body, seconds });
  const result = await worker.next<Load>("done");
  worker.stop();
  return result;
}

export async function http(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 2 : 10;
  const names = topology();
  const dir = tempDir("http");
  const parley = await startParley(brokerEnv(names, `${dir}/parley.db`));
  const account = await createAccount(parley.url);
  const headers = { "X-Auth-Token": account.token };
  const created = await fetch(`${parley.url}/v2/accounts/${account.id}/conferences`, {
    method: "PUT",
    headers,
    body: JSON.stringify({ data: { name: "Bench room" } }),
  }).then((r) => r.json() as Promise<{ data: { id: string } }>);
  const conference = created.data.id;
  await publishAll(
    names.exchange,
    Array.from({ length: 20 }, (_, i) =>
      feedEvent("add-member", account.id, conference, `call-${i}`, i + 1),
    ),
  );
  const path = `${parley.url}/v2/accounts/${account.id}/conferences/${conference}`;
  await waitFor(
    async () => {
      const res = await fetch(path, { headers }).then(
        (r) => r.json() as Promise<{ data: { _read_only: { members: number } } }>,
      );
      return res.data._read_only.members === 20;
    },
    10_000,
    "20 live participants",
  );
  const get = await load(path, "GET", headers, seconds);
  const put = await load(
    `${path}/participants/1`,
    "PUT",
    headers,
    seconds,
    '{"data":{"action":"mute"}}',
  );
  await parley.stop();
  await dropTopology(names);

  const hello = forkWorker<{ url: string }>("hello-hono.ts");
  const { url } = await hello.next<{ url: string }>("ready");
  const base = await load(url, "GET", {}, seconds);
  hello.stop();

  const getRatio = ratioOf(get.rps, base.rps);
  const putRatio = ratioOf(put.rps, base.rps);
  const failures = (l: Load) => l.non2xx + l.errors;
  return [
    {
      scenario: "http",
      figure: `GET conference, 20 participants (${failures(get)} failed)`,
      unit: "req/s",
      parley: get.rps,
      baseline: base.rps,
      ratio: getRatio,
      target: "≥ 0.5 × hello",
      met: getRatio >= 0.5 && failures(get) === 0,
    },
    {
      scenario: "http",
      figure: "GET conference p50",
      unit: "ms",
      parley: get.p50,
      baseline: base.p50,
      ratio: null,
      target: "",
      met: null,
    },
    {
      scenario: "http",
      figure: "GET conference p99",
      unit: "ms",
      parley: get.p99,
      baseline: base.p99,
      ratio: null,
      target: "",
      met: null,
    },
    {
      scenario: "http",
      figure: `PUT mute, broker-confirmed (${failures(put)} failed)`,
      unit: "req/s",
      parley: put.rps,
      baseline: base.rps,
      ratio: putRatio,
      target: "≥ 0.25 × hello",
      met: putRatio >= 0.25 && failures(put) === 0,
    },
    {
      scenario: "http",
      figure: "PUT mute p50",
      unit: "ms",
      parley: put.p50,
      baseline: base.p50,
      ratio: null,
      target: "",
      met: null,
    },
    {
      scenario: "http",
      figure: "PUT mute p99",
      unit: "ms",
      parley: put.p99,
      baseline: base.p99,
      ratio: null,
      target: "≤ 20 ms",
      met: put.p99 <= 20,
    },
  ];
}
