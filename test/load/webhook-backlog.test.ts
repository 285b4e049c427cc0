/**
 * A deep webhook backlog must not melt the node: picking the next delivery costs the same however
 * many deliveries wait in its queue, so a backlog drains in time linear in its depth, and the
 * event loop it shares with the ingest keeps committing events while it drains.
 *
 * Nothing here compares a time with a fixed threshold: the pick's plan is checked, and costs (the
 * pick's fastest run, CPU time per delivery, the median commit latency) are only compared with
 * the same work at a shallow depth on the same machine.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import type { ParleyServer } from "../../server/create-server";
import { webhooks } from "../../server/db/schema";
import { osEntropy } from "../../server/domain/ids";
import {
  createDeliveryQueues,
  DUE_ENDPOINTS_SQL,
  DUE_HEADS_SQL,
  QUEUE_HEAD_SQL,
} from "../../server/webhooks/delivery-queues";
import { createOutbox } from "../../server/webhooks/outbox";
import { apiClient, createAccount, type Json } from "../helpers/api";
import { currentFeedEvent, hexId } from "../helpers/events";
import { embeddedBus } from "../helpers/live";
import { startReceiver } from "../helpers/receiver";
import { ADMIN_TOKEN, startServer } from "../helpers/server";
import { createWebhook } from "../helpers/webhooks";

const DEEP = 100_000;

/**
 * A database file migrated only up to the last migration before queue heads existed, in a fresh
 * directory removed when the test ends.
 */
function databaseBeforeQueueHeads(): { path: string; sqlite: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), "parley-backlog-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const journal = JSON.parse(readFileSync("migrations/meta/_journal.json", "utf8")) as {
    entries: Array<{ tag: string }>;
  };
  const before = journal.entries.findIndex((e) => e.tag === "0004_delivery_queue_heads");
  const entries = journal.entries.slice(0, before);
  mkdirSync(join(dir, "migrations/meta"), { recursive: true });
  writeFileSync(
    join(dir, "migrations/meta/_journal.json"),
    JSON.stringify({ ...journal, entries }),
  );
  for (const { tag } of entries) {
    copyFileSync(`migrations/${tag}.sql`, join(dir, `migrations/${tag}.sql`));
  }
  const path = join(dir, "parley.db");
  const sqlite = new Database(path);
  migrate(drizzle(sqlite), { migrationsFolder: join(dir, "migrations") });
  return { path, sqlite };
}

async function setup() {
  const server = await startServer({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
  const { sqlite, db } = server.store;
  const api = apiClient(server);
  const account = await createAccount(api);
  const receiver = await startReceiver();
  // Arrival times and order of the seeded deliveries, per queue, tallied as they come in.
  const arrivals = new Map<string, Array<{ n: number; at: number }>>();
  receiver.setResponder((request) => {
    const data = JSON.parse(request.body).data;
    if (typeof data?.queue === "string") {
      const list = arrivals.get(data.queue) ?? [];
      list.push({ n: data.n, at: performance.now() });
      arrivals.set(data.queue, list);
    }
    return undefined;
  });
  const hook = await createWebhook(api, account, {
    url: `${receiver.url}/hook`,
    event_types: ["*"],
  });
  const sub = db.select().from(webhooks).where(eq(webhooks.id, hook.id)).get();
  if (!sub) {
    throw new Error("subscription not stored");
  }
  // The outbox the ingest uses, on the server's own connection: seeding writes exactly the rows
  // an ingest of `count` events in one conference would.
  const outbox = createOutbox({
    sqlite,
    now: Date.now,
    entropy: osEntropy,
    activeSubscriptions: () => [sub],
  });
  const seed = (conferenceId: string, count: number, from = 0) =>
    sqlite.transaction(() =>
      outbox.enqueue(
        Array.from({ length: count }, (_, i) => ({
          id: `evt_${conferenceId}_${from + i}`,
          accountId: account.id,
          conferenceId,
          type: "meeting.participantMuted" as const,
          seq: null,
          occurredAt: Date.now(),
          data: { event: "meeting.participantMuted", queue: conferenceId, n: from + i },
          raw: null,
          extra: {},
        })),
      ),
    )();
  return { server, sqlite, api, account, receiver, hook, seed, arrivals };
}

/**
 * Waits until the first `count` seeded deliveries of a queue have arrived, checks they came in
 * order, and returns the CPU time this process (parley and the receiver) spent per delivery since
 * `since` (`process.cpuUsage()` taken just after seeding). CPU time, unlike wall time, does not
 * grow when other processes share the machine.
 */
async function cpuPerDelivery(
  arrivals: Map<string, Array<{ n: number; at: number }>>,
  queue: string,
  count: number,
  since: NodeJS.CpuUsage,
): Promise<number> {
  const got = await vi.waitFor(
    () => {
      const list = arrivals.get(queue) ?? [];
      if (list.length < count) {
        throw new Error(`${list.length} of ${count} deliveries of ${queue} arrived`);
      }
      return list;
    },
    { timeout: 60_000, interval: 10 },
  );
  const { user, system } = process.cpuUsage(since);
  const arrived = got.length;
  expect(got.slice(0, count).map((a) => a.n)).toEqual(Array.from({ length: count }, (_, i) => i));
  return (user + system) / 1000 / arrived;
}

/** The median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Publishes `rounds` events one after another on the ingest path, each once the one before has
 * committed, and returns each one's milliseconds from publish to commit.
 */
async function commitLatencies(
  server: ParleyServer,
  accountId: string,
  rounds: number,
): Promise<number[]> {
  const bus = embeddedBus(server);
  const latencies: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const committed = new Promise<number>((resolve) => {
      const off = server.ingest.onCommitted(() => {
        off();
        resolve(performance.now());
      });
    });
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId, conferenceId: hexId(), callId: `call-${i}` },
      { participantId: 1 },
    );
    const published = performance.now();
    bus.publishEvent(routingKey, body);
    latencies.push((await committed) - published);
  }
  return latencies;
}

describe("a deep webhook backlog", () => {
  it("is picked from its queue's head alone: one index search over due heads, whatever the queue's depth", async () => {
    const { sqlite, seed, hook } = await setup();
    const queues = createDeliveryQueues(sqlite);
    const planOf = (query: string, ...params: unknown[]) =>
      (sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join("\n");
    /** Fastest of five rounds of 500 picks, in milliseconds. */
    const pickCost = () => {
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 5; round += 1) {
        const started = performance.now();
        for (let i = 0; i < 500; i += 1) {
          queues.due(hook.id, Date.now(), 256);
        }
        best = Math.min(best, performance.now() - started);
      }
      return best;
    };

    // Seeding and measuring run without yielding, so the dispatcher cannot drain in between.
    seed("deep", 1000);
    seed("other", 3);
    const shallow = pickCost();
    seed("deep", DEEP - 1000, 1000);
    const deep = pickCost();
    console.log(
      `pick: ${shallow.toFixed(1)} ms per 500 at depth 1,000, ${deep.toFixed(1)} ms at ${DEEP}`,
    );

    const heads = sqlite
      .prepare("SELECT ordering_key, head_seq_no FROM delivery_queues ORDER BY ordering_key")
      .all() as Array<{ ordering_key: string; head_seq_no: number }>;
    const oldest = sqlite
      .prepare(
        "SELECT ordering_key, min(seq_no) AS seq_no FROM deliveries WHERE status IN ('pending', 'retrying') GROUP BY ordering_key ORDER BY ordering_key",
      )
      .all() as Array<{ ordering_key: string; seq_no: number }>;
    expect(heads.map((h) => [h.ordering_key, h.head_seq_no])).toEqual(
      oldest.map((o) => [o.ordering_key, o.seq_no]),
    );
    expect(
      queues
        .due(hook.id, Date.now(), 256)
        .map((row) => row.ordering_key)
        .sort(),
    ).toEqual(["deep", "other"]);
    expect(queues.dueEndpoints().map((endpoint) => endpoint.webhook_id)).toEqual([hook.id]);

    // The pick walks the due-heads index in order and fetches each head by its key: no scan of
    // deliveries, no sort.
    const pick = planOf(DUE_HEADS_SQL, hook.id, Date.now(), 256);
    expect(pick).toMatch(
      /SEARCH q USING (COVERING )?INDEX delivery_queues_endpoint_due \(webhook_id=\? AND due_at>\? AND due_at<\?\)/,
    );
    expect(pick).toMatch(/SEARCH d USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(pick).not.toMatch(/SCAN d\b|SCAN deliveries|TEMP B-TREE/);
    // Which endpoints have due heads: seeks in the endpoint index, never a scan of the heads.
    const endpoints = planOf(DUE_ENDPOINTS_SQL);
    expect(endpoints).toMatch(/delivery_queues_endpoint_due/);
    expect(endpoints).not.toMatch(/SCAN delivery_queues\b|TEMP B-TREE/);
    // Moving a queue's head on after an attempt is one seek in the open-deliveries index.
    const next = planOf(QUEUE_HEAD_SQL, "wh", "deep");
    expect(next).toMatch(
      /SEARCH d USING INDEX deliveries_open_queue \(webhook_id=\? AND ordering_key=\?\)/,
    );
    expect(next).not.toMatch(/SCAN d\b|TEMP B-TREE/);
    // A queue 100 times deeper costs the pick about the same (a scan would cost ~100 times more).
    expect(deep / shallow).toBeLessThan(5);
  });

  it("spends no more per delivery on a 100,000-deep queue than on a shallow one, sends it in order, and the ingest keeps committing", async () => {
    const { server, api, account, receiver, seed, arrivals } = await setup();
    const sample = 2000;
    const drain = async (queue: string, depth: number) => {
      seed(queue, depth);
      return cpuPerDelivery(arrivals, queue, sample, process.cpuUsage());
    };

    // The same work once first warms the process up (optimised code, the receiver's connection),
    // then the baselines on the idle server: commit latency, and the drain of a shallow queue.
    await drain("warm-up", sample);
    await commitLatencies(server, account.id, 40);
    const idleCommits = await commitLatencies(server, account.id, 40);
    const shallow = await drain("shallow", sample);

    const deep = await drain("deep", DEEP);
    // Each delivery of the deep queue costs what one of the shallow queue did, so the whole
    // backlog drains in time linear in its depth (a pick that scans the backlog costs ~50x more).
    expect(deep / shallow).toBeLessThan(3);

    // While the backlog drains, events still commit as fast as on the idle server...
    const busyCommits = await commitLatencies(server, account.id, 40);
    // ...are readable on the API, and their own webhooks (other conferences) are not held back.
    const conferenceId = hexId();
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: "late-call" },
      { participantId: 7 },
    );
    embeddedBus(server).publishEvent(routingKey, body);
    await expect
      .poll(async () => {
        const res = await api.get(
          `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
          { token: account.token },
        );
        return res.status === 200 ? (res.body.data as Json[]).map((p) => p.call_id) : [];
      })
      .toEqual(["late-call"]);
    await receiver.waitFor(1, (request) => {
      const { type, data } = JSON.parse(request.body);
      return type === "meeting.participantJoined" && data?.meeting?.id === conferenceId;
    });
    const drained = arrivals.get("deep")?.length ?? 0;
    expect(drained).toBeLessThan(DEEP);
    expect(median(busyCommits) / median(idleCommits)).toBeLessThan(5);
    console.log(
      `backlog: ${shallow.toFixed(3)} ms CPU per delivery from a ${sample}-deep queue, ` +
        `${deep.toFixed(3)} ms from a ${DEEP}-deep one; ingest commit median ` +
        `${median(idleCommits).toFixed(2)} ms idle, ${median(busyCommits).toFixed(2)} ms while ` +
        `draining (${drained} of ${DEEP} out)`,
    );
  });

  it("resumes, in order, the open deliveries of a database written before queue heads existed", async () => {
    const receiver = await startReceiver();
    const { path, sqlite } = databaseBeforeQueueHeads();
    const at = Date.now();
    sqlite
      .prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")
      .run("acct", "Old", at);
    const addHook = sqlite.prepare(
      `INSERT INTO webhooks (id, account_id, name, url, event_types, format, enabled, secret, created_at, updated_at)
       VALUES (?, 'acct', ?, ?, '["*"]', 'native', ?, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', ?, ?)`,
    );
    addHook.run("wh_on", "on", `${receiver.url}/on`, 1, at, at);
    addHook.run("wh_off", "off", `${receiver.url}/off`, 0, at, at);
    const addEvent = sqlite.prepare(
      `INSERT INTO webhook_events (id, account_id, conference_id, type, occurred_at, data)
       VALUES (?, 'acct', ?, 'meeting.participantMuted', ?, ?)`,
    );
    const addDelivery = sqlite.prepare(
      `INSERT INTO deliveries (id, webhook_id, event_id, variant, ordering_key, status, attempt_count, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
    );
    // As the old dispatcher left them: queue "a" has sent, dead, retrying and pending deliveries;
    // "b" two pending; the disabled endpoint one pending.
    const rows: Array<[string, string, string, number, number | null]> = [
      ["wh_on", "a", "succeeded", 1, null],
      ["wh_on", "a", "dead", 8, null],
      ["wh_on", "b", "pending", 0, at],
      ["wh_on", "a", "retrying", 2, at - 1000],
      ["wh_on", "a", "pending", 0, at],
      ["wh_off", "a", "pending", 0, at],
      ["wh_on", "b", "pending", 0, at],
      ["wh_on", "a", "pending", 0, at],
    ];
    for (const [i, [hook, key, status, attempts, next]] of rows.entries()) {
      addEvent.run(`evt_${i}`, key, at, JSON.stringify({ n: i }));
      addDelivery.run(`msg_${i}`, hook, `evt_${i}`, key, status, attempts, next, at, at);
    }
    sqlite.close();

    const server = await startServer({ PARLEY_DB: path, WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" });
    const sent = (path: string) => receiver.on(path).map((r) => r.headers["webhook-id"]);
    await vi.waitFor(() => expect(sent("/on")).toHaveLength(5), { timeout: 10_000, interval: 10 });
    const order = sent("/on");
    expect(order.filter((id) => ["msg_3", "msg_4", "msg_7"].includes(id ?? ""))).toEqual([
      "msg_3",
      "msg_4",
      "msg_7",
    ]);
    expect(order.filter((id) => ["msg_2", "msg_6"].includes(id ?? ""))).toEqual(["msg_2", "msg_6"]);
    // The disabled endpoint's delivery waits, parked, until the endpoint is enabled again (the
    // last outcome is recorded just after its request arrived: poll).
    await expect
      .poll(() =>
        server.store.sqlite.prepare("SELECT webhook_id, due_at FROM delivery_queues").all(),
      )
      .toEqual([{ webhook_id: "wh_off", due_at: null }]);
    expect(sent("/off")).toEqual([]);
    const api = apiClient(server);
    const enabled = await api.patch("/v2/accounts/acct/webhooks/wh_off", {
      token: ADMIN_TOKEN,
      body: { data: { enabled: true } },
    });
    expect(enabled.status).toBe(200);
    await vi.waitFor(() => expect(sent("/off")).toEqual(["msg_5"]), {
      timeout: 10_000,
      interval: 10,
    });
  });
});
