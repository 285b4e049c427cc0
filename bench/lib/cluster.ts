/**
 * Cluster helpers for the benchmark: nodes of one parley cluster started in order on a shared
 * topology (each with its own SQLite file, port and `PARLEY_NODE_ID`), a poller that records when
 * each node's `events` rows became visible, and which node runs the ingest.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Parley, startParley, waitFor } from "./process";
import { brokerEnv } from "./setup";

export interface ClusterNode {
  id: string;
  db: string;
  parley: Parley;
}

/**
 * Starts one node per id, one after the other (each waits for `/readyz` 200 before the next
 * starts, so the first id connects first and becomes the ingest consumer).
 */
export async function startCluster(
  names: { exchange: string; queue: string },
  ids: string[],
  dir: string,
  extra: Record<string, string> = {},
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  try {
    for (const id of ids) {
      const db = join(dir, `${id}.db`);
      const parley = await startParley(brokerEnv(names, db, { PARLEY_NODE_ID: id, ...extra }));
      nodes.push({ id, db, parley });
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.parley.stop()));
    throw error;
  }
  return nodes;
}

/** Waits until every node can read the account (its write entry applied there too). */
export async function waitForAccount(
  nodes: Array<{ parley: Parley }>,
  account: { id: string; token: string },
): Promise<void> {
  await Promise.all(
    nodes.map(({ parley }) =>
      waitFor(
        async () => {
          const res = await fetch(`${parley.url}/v2/accounts/${account.id}`, {
            headers: { "X-Auth-Token": account.token },
          });
          await res.arrayBuffer();
          return res.status === 200;
        },
        10_000,
        `the account on ${parley.url}`,
      ),
    ),
  );
}

/** How many messages this node's ingest consumer took (`parley_ingest_lag_seconds_count`). */
export async function ingestedBy(parley: Parley): Promise<number> {
  const text = await fetch(`${parley.url}/metrics`).then((r) => r.text());
  const match = text.match(/^parley_ingest_lag_seconds_count(?:\{[^}]*\})? (\d+)/m);
  return match ? Number(match[1]) : 0;
}

/**
 * Records, for each database, when its events became visible to a reader.
 *
 * Every `intervalMs` it runs one `SELECT max(seq) FROM events` per database on a read-only
 * connection opened once (a b-tree seek of a few microseconds; WAL readers never block parley's
 * writer) and, when the maximum grew, keeps the pair (max, time). `seq` is assigned in commit
 * order, so the rows up to that max were committed before the query started and after the previous
 * poll's: a row's recorded time is late by at most one poll period (interval plus timer jitter,
 * the time between two stamps), on average half of it. The resolution is therefore about
 * `intervalMs`; the bias is the same for every node and for the single-node baseline, which the
 * same poller measures. Nothing else is read while the load runs: publish times come from the
 * rows' bodies, read once afterwards (`sentTimes`).
 */
export class AppliedWatch {
  readonly #readers: Array<{ db: Database.Database; max: Database.Statement }>;
  /** Per database: the max seq seen at each poll where it grew, and when that poll started. */
  readonly #seen: Array<{ seqs: number[]; at: number[] }>;
  readonly #timer: NodeJS.Timeout;
  polls = 0;

  constructor(databases: string[], intervalMs = 5) {
    this.#readers = databases.map((path) => {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      return { db, max: db.prepare("SELECT coalesce(max(seq), 0) AS m FROM events").pluck() };
    });
    this.#seen = databases.map(() => ({ seqs: [], at: [] }));
    const now = () => performance.timeOrigin + performance.now();
    const poll = () => {
      this.polls += 1;
      for (const [i, reader] of this.#readers.entries()) {
        const at = now();
        const max = reader.max.get() as number;
        const seen = this.#seen[i];
        if (seen && max > (seen.seqs.at(-1) ?? 0)) {
          seen.seqs.push(max);
          seen.at.push(at);
        }
      }
    };
    poll();
    this.#timer = setInterval(poll, intervalMs);
  }

  /** The highest seq visible on the database that is furthest behind. */
  lowest(): number {
    return Math.min(...this.#seen.map((s) => s.seqs.at(-1) ?? 0));
  }

  /** When `seq` became visible on database `i` (wall-clock ms), or NaN if it has not. */
  visibleAt(i: number, seq: number): number {
    const seen = this.#seen[i];
    if (!seen) {
      return Number.NaN;
    }
    let lo = 0;
    let hi = seen.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seen.seqs[mid] ?? 0) >= seq) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return seen.at[lo] ?? Number.NaN;
  }

  /** Stops polling and closes the readers; what was recorded stays readable. */
  stop(): void {
    clearInterval(this.#timer);
    for (const { db } of this.#readers) {
      if (db.open) {
        db.close();
      }
    }
  }
}

/**
 * The benchmark fields of every event row of a database: the publisher's send time
 * (`Bench-Sent-At`, normalised to `bench_sent_at`) and the ingest's arrival time (`received_at`).
 */
export function sentTimes(
  database: string,
  fromSeq = 0,
): Array<{ seq: number; sentAt: number; receivedAt: number }> {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare(
          `SELECT seq, json_extract(body, '$.bench_sent_at') AS sentAt, received_at AS receivedAt
           FROM events WHERE seq > ? ORDER BY seq`,
        )
        .all(fromSeq) as Array<{ seq: number; sentAt: number | null; receivedAt: number }>
    ).filter((r): r is { seq: number; sentAt: number; receivedAt: number } => r.sentAt !== null);
  } finally {
    db.close();
  }
}
