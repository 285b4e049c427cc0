/**
 * A parley cluster for fault tests: N child processes sharing one broker topology (exchange,
 * ingest queue, log stream, lease queues), each with its own SQLite file, port and node id. Also
 * the pieces the cluster cases share: a deterministic event stream with its expected webhook
 * deliveries, WebSocket feed clients that resume on another node, and node-to-node comparisons.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, onTestFinished, vi } from "vitest";
import { workLeaseNames } from "../../server/assemble/bus";
import type { ParleyServer } from "../../server/create-server";
import { type ApiClient, apiClient, type Json, type TestAccount } from "./api";
import { AMQP_URL, connectBroker, newTopology, queuesOf, type Topology } from "./broker";
import { currentFeedEvent, prng } from "./events";
import { type ParleyProcess, spawnParley } from "./process";
import { ADMIN_TOKEN } from "./server";
import { openEventLog } from "./stream";
import { connectWs, type TestSocket } from "./ws-client";

/** The lease queues' names after `<AMQP_QUEUE>.lease.` (the default four webhook partitions). */
export const LEASE_NAMES = workLeaseNames(4);

export interface ClusterNode {
  id: string;
  /** Its database file. */
  db: string;
  parley: ParleyProcess;
  url: string;
  api: ApiClient;
  /** `seq:msg_id` of every logged event, in `seq` order (read-only, from outside). */
  log(): string[];
  logged(): number;
  kill(): Promise<void>;
}

export interface Cluster {
  topology: Topology;
  /** The cluster's temp dir (databases; snapshots may go there too). */
  dir: string;
  /**
   * Starts node `id` on an empty database (or what `env` says); resolves once it answers
   * `/readyz` with 200, or once it listens when `ready` is false.
   */
  start(
    id: string,
    options?: { env?: Record<string, string>; ready?: boolean },
  ): Promise<ClusterNode>;
}

/** Creates a cluster's topology and temp dir; kills its nodes and deletes both at the end. */
export function newCluster(): Cluster {
  const topology = newTopology();
  const dir = mkdtempSync(join(tmpdir(), "parley-cluster-"));
  const nodes = new Map<string, ClusterNode>();
  onTestFinished(async () => {
    const alive = [...nodes.values()].filter(
      (n) => n.parley.child.exitCode === null && n.parley.child.signalCode === null,
    );
    await Promise.all(alive.map((n) => n.kill()));
    const connection = await connectBroker();
    const channel = await connection.createChannel();
    for (const name of queuesOf(topology.queue)) {
      await channel.deleteQueue(name).catch(() => {});
    }
    await channel.deleteExchange(topology.exchange).catch(() => {});
    await connection.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const start: Cluster["start"] = async (id, options = {}) => {
    const dbPath = join(dir, `${id}.db`);
    const parley = spawnParley({
      PARLEY_DB: dbPath,
      PARLEY_NODE_ID: id,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      // The start-up line that tells the port (PORT=0) is logged at info.
      LOG_LEVEL: "info",
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
      ...options.env,
    });
    const url = await parley.ready();
    const ready = await (options.ready === false
      ? Promise.resolve({ node: id })
      : vi.waitFor(
          async () => {
            const res = await fetch(`${url}/readyz`);
            if (res.status !== 200) {
              throw new Error(`${id} not ready: ${res.status} ${await res.text()}`);
            }
            return (await res.json()) as { node?: string };
          },
          { timeout: 30_000, interval: 50 },
        ));
    expect(ready.node, "the node id /readyz reports").toBe(id);
    let events: ReturnType<typeof openEventLog> | undefined;
    const reader = () => {
      events ??= openEventLog(dbPath);
      return events.reader;
    };
    const node: ClusterNode = {
      id,
      db: dbPath,
      parley,
      url,
      api: apiClient({ url } as ParleyServer),
      log: () =>
        reader()
          .prepare("SELECT seq || ':' || msg_id AS e FROM events ORDER BY seq")
          .pluck()
          .all() as string[],
      logged: () => (reader().prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n,
      kill: async () => {
        parley.child.kill("SIGKILL");
        await parley.exited;
      },
    };
    nodes.set(id, node);
    return node;
  };
  return { topology, dir, start };
}

/**
 * A deterministic stream of current-feed events over `conferences` conferences (joins, leaves,
 * talking, mutes) and the participantJoined/participantLeft deliveries it implies, labelled
 * `<conference> <type>:<call>` as `deliveryLabel` labels a received request.
 */
export function buildStream(accountId: string, total: number, conferences: number, seed: number) {
  const random = prng(seed);
  const prefix = seed.toString(16).padStart(8, "0");
  const ids = Array.from(
    { length: conferences },
    (_, i) => `${prefix}${i.toString(16).padStart(8, "0")}c0f0e0d0c0b0a090`,
  );
  const present = new Map<string, Map<string, { participantId: number; speak: boolean }>>();
  const deliveries: string[] = [];
  const events: Array<{ routingKey: string; body: Record<string, unknown> }> = [];
  let nextCall = 0;
  for (let i = 0; i < total; i += 1) {
    const conferenceId = ids[Math.floor(random() * conferences)] as string;
    const msgId = `${prefix}-${i.toString(16).padStart(8, "0")}`;
    const members = present.get(conferenceId) ?? new Map();
    present.set(conferenceId, members);
    const roll = random();
    if (members.size === 0 || roll < 0.1) {
      nextCall += 1;
      const callId = `call-${prefix}-${nextCall}`;
      const member = { participantId: nextCall, speak: true };
      members.set(callId, member);
      events.push(
        currentFeedEvent("add-member", { accountId, conferenceId, callId, msgId }, member),
      );
      deliveries.push(`${conferenceId} meeting.participantJoined:${callId}`);
      continue;
    }
    const callId = [...members.keys()][Math.floor(random() * members.size)] as string;
    const member = members.get(callId) as { participantId: number; speak: boolean };
    let event: string;
    if (roll < 0.18) {
      event = "del-member";
      members.delete(callId);
      deliveries.push(`${conferenceId} meeting.participantLeft:${callId}`);
    } else if (roll < 0.6) {
      event = member.speak ? "mute-member" : "unmute-member";
      member.speak = !member.speak;
    } else {
      event = roll < 0.8 ? "start-talking" : "stop-talking";
    }
    events.push(currentFeedEvent(event, { accountId, conferenceId, callId, msgId }, member));
  }
  return { events, deliveries, msgIds: events.map((e) => e.body["Msg-ID"] as string) };
}

/** A WebSocket client of the account-wide feed that can move to another node with resume_from. */
export class FeedClient {
  readonly #sockets: TestSocket[] = [];
  /** The node it is connected to now. */
  node = "";

  constructor(
    readonly name: string,
    readonly account: TestAccount,
  ) {}

  /** `seq:msg_id` of every event received, over every socket, in arrival order. */
  received(): string[] {
    return this.#sockets.flatMap((socket) =>
      socket.frames.filter((f) => f.action === "event").map((f) => `${f.seq}:${f.data?.msg_id}`),
    );
  }

  /** Connects to `node` and subscribes to `conference.event.*.*` (resuming after the last seq). */
  async connect(node: ClusterNode, resume = false): Promise<void> {
    const previous = this.#sockets.at(-1);
    if (resume && previous) {
      // Every frame the old socket got has been read once it is closed.
      const { socket } = previous;
      await vi.waitFor(() => expect(socket.readyState).toBe(socket.CLOSED), { timeout: 10_000 });
    }
    const last = this.received().at(-1);
    const socket = await connectWs({ url: node.url } as ParleyServer);
    this.#sockets.push(socket);
    this.node = node.id;
    const resumeFrom = resume ? { resume_from: Number(last?.split(":")[0] ?? 0) } : {};
    const reply = await socket.request({
      action: "subscribe",
      auth_token: this.account.token,
      data: { account_id: this.account.id, binding: "conference.event.*.*", ...resumeFrom },
    });
    if (reply.status !== "success") {
      throw new Error(`${this.name} subscribe on ${node.id} failed: ${JSON.stringify(reply)}`);
    }
  }
}

/** How `actual` differs from `expected` (both `seq:msg_id` lists): empty when identical. */
export function feedDifference(actual: string[], expected: string[]): Record<string, unknown> {
  if (actual.length === expected.length && actual.every((v, i) => v === expected[i])) {
    return {};
  }
  const want = new Set(expected);
  const seen = new Set<string>();
  const duplicates = actual.filter((v) => seen.has(v) || !seen.add(v));
  const missing = expected.filter((v) => !seen.has(v));
  const unexpected = actual.filter((v) => !want.has(v));
  const firstDiff = actual.findIndex((v, i) => v !== expected[i]);
  return {
    lengths: [actual.length, expected.length],
    duplicates: [duplicates.length, ...duplicates.slice(0, 5)],
    missing: [missing.length, ...missing.slice(0, 5)],
    unexpected: [unexpected.length, ...unexpected.slice(0, 5)],
    firstDifference:
      firstDiff < 0 ? undefined : [firstDiff, actual[firstDiff], expected[firstDiff]],
  };
}

/** Drops the time-dependent `duration` fields (computed from "now" at each read). */
/** `value` without its `duration`s, which depend on when it was read. */
export const timeless = (value: Json): Json =>
  value === undefined
    ? value
    : JSON.parse(JSON.stringify(value), (key, v) => (key === "duration" ? undefined : v));

/**
 * The account's view on one node: the `data` of the conference list, of each conference and its
 * participants, of the webhook list and each one's newest 1000 deliveries, of the sessions and
 * each ended one with its participants (each path -> status and data, durations left out).
 */
export async function accountView(
  node: ClusterNode,
  account: TestAccount,
): Promise<Record<string, unknown>> {
  const base = `/v2/accounts/${account.id}`;
  const read = async (path: string) => {
    const res = await node.api.get(path, { token: account.token });
    return { status: res.status, data: timeless(res.body?.data) };
  };
  const view: Record<string, unknown> = {};
  const rows = async (key: string, path: string): Promise<Json[]> => {
    view[key] = await read(path);
    const { data } = view[key] as { data: Json };
    return Array.isArray(data) ? data : [];
  };
  for (const { id } of await rows("conferences", `${base}/conferences`)) {
    view[`conference ${id}`] = await read(`${base}/conferences/${id}`);
    view[`participants ${id}`] = await read(`${base}/conferences/${id}/participants`);
  }
  for (const { id } of await rows("webhooks", `${base}/webhooks`)) {
    view[`deliveries ${id}`] = await read(`${base}/webhooks/${id}/deliveries?limit=1000`);
  }
  for (const { id, live } of await rows("sessions", `${base}/sessions?page_size=1000`)) {
    if (!live) {
      view[`session ${id}`] = await read(`${base}/sessions/${id}`);
    }
  }
  view.account = await read(base);
  return view;
}
