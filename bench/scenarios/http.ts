/**
 * http: 50 keep-alive connections: `GET /conferences/{C}` with 20 live participants, and
 * `PUT …/participants/{P}` mute (a command confirmed by RabbitMQ). Baseline: a bare Hono app on
 * @hono/node-server checking the same header and answering the same bytes from memory (GET), or
 * publishing the same command with a confirm (PUT) (bench/load/bare-http.ts).
 *
 * The conference is made once: parley is restarted on the same database for each of its runs.
 */
import { rmSync } from "node:fs";
import { forkWorker, type Parley, startParley, tempDir, waitFor } from "../lib/process";
import { compare, type Figure, type Sample, type Scenario } from "../lib/scenario";
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
  failed: number;
}

const MUTE = '{"data":{"action":"mute"}}';

async function load(
  url: string,
  method: "GET" | "PUT",
  headers: Record<string, string>,
  timing: { seconds: number; warmup: number },
  body?: string,
): Promise<Load> {
  const worker = forkWorker<Load>("http-load.ts");
  try {
    worker.send({ url, method, headers, body, ...timing });
    return await worker.next<Load>("done");
  } finally {
    worker.stop();
  }
}

/** GET then PUT against a server whose conference document is at `path`. */
async function both(
  path: string,
  headers: Record<string, string>,
  timing: { seconds: number; warmup: number },
): Promise<Sample> {
  const get = await load(path, "GET", headers, timing);
  const put = await load(`${path}/participants/1`, "PUT", headers, timing, MUTE);
  return {
    getRps: get.rps,
    getP50: get.p50,
    getP99: get.p99,
    getFailed: get.failed,
    putRps: put.rps,
    putP50: put.p50,
    putP99: put.p99,
    putFailed: put.failed,
  };
}

async function members(parley: Parley, path: string, headers: Record<string, string>) {
  const res = await fetch(`${parley.url}${path}`, { headers });
  const body = (await res.json()) as { data?: { _read_only?: { members?: number } } };
  return body.data?._read_only?.members ?? 0;
}

function figures(verb: "GET" | "PUT", what: string, share: number, p99: number): Figure[] {
  const key = verb.toLowerCase();
  const ms = (p: string): Figure => ({
    ...compare(`${key}P${p}`),
    label: `${verb} ${what} p${p}`,
    unit: "ms",
    lowerIsBetter: true,
  });
  return [
    {
      ...compare(`${key}Rps`),
      label: `${verb} ${what}`,
      unit: "req/s",
      target: `≥ ${share} × bare`,
      met: (_p, _b, ratio) => ratio !== null && ratio >= share,
    },
    ms("50"),
    { ...ms("99"), target: `≤ ${p99} ms`, met: (p) => p <= p99 },
    {
      ...compare(`${key}Failed`),
      label: `${verb} ${what}: failed requests`,
      unit: "",
      ratio: false,
      target: "0",
      met: (p) => p === 0,
    },
  ];
}

export const http: Scenario = {
  name: "http",
  describe:
    "50 connections: GET a conference (20 live participants) and PUT a mute (broker-confirmed) vs a bare Hono app checking the same header and serving the same bytes / publishing the same command",
  async prepare(quick) {
    const timing = { seconds: quick ? 2 : 5, warmup: quick ? 0 : 1 };
    const names = topology();
    const dir = tempDir("http");
    const env = brokerEnv(names, `${dir}/parley.db`);
    const dispose = async () => {
      await dropTopology(names);
      rmSync(dir, { recursive: true, force: true });
    };
    let bare: Record<string, string>;
    let path: string;
    let headers: Record<string, string>;
    try {
      const parley = await startParley(env);
      try {
        const account = await createAccount(parley.url);
        headers = { "X-Auth-Token": account.token };
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
        path = `/v2/accounts/${account.id}/conferences/${conference}`;
        const h = headers;
        await waitFor(async () => (await members(parley, path, h)) === 20, 10_000, "20 members");
        // What the baseline answers: the bytes parley answered.
        const document = await fetch(`${parley.url}${path}`, { headers });
        const muted = await fetch(`${parley.url}${path}/participants/1`, {
          method: "PUT",
          headers,
          body: MUTE,
        });
        if (muted.status !== 201) {
          throw new Error(`mute answered ${muted.status}: ${await muted.text()}`);
        }
        bare = {
          token: account.token,
          exchange: names.exchange,
          document: Buffer.from(await document.arrayBuffer()).toString("base64"),
          contentType: document.headers.get("content-type") ?? "application/json",
          muted: await muted.text(),
        };
      } finally {
        await parley.stop();
      }
    } catch (error) {
      await dispose();
      throw error;
    }

    const runParley = async () => {
      const parley = await startParley(env);
      try {
        await waitFor(async () => (await members(parley, path, headers)) === 20, 10_000, "20");
        return await both(`${parley.url}${path}`, headers, timing);
      } finally {
        await parley.stop();
      }
    };
    const runBare = async () => {
      const worker = forkWorker<{ url: string }>("bare-http.ts");
      try {
        worker.send(bare);
        const { url } = await worker.next<{ url: string }>("ready");
        return await both(`${url}${path}`, headers, timing);
      } finally {
        worker.stop();
      }
    };
    return [
      {
        sides: ["parley", "bare"],
        run: (side) => (side === "parley" ? runParley() : runBare()),
        figures: [
          ...figures("GET", "conference, 20 participants", 0.5, 10),
          ...figures("PUT", "mute, broker-confirmed", 0.6, 15),
        ],
        dispose,
      },
    ];
  },
};
