/**
 * Drives WebSocket client workers: spreads bindings over a few processes, then gathers their
 * latency samples and per-event arrival data.
 */
import { forkWorker, type Worker } from "./process";

export interface ClientReport {
  count: number;
  samples: number[];
  perEvent: Array<{ seq: number; received: number; last: number }>;
}

export interface ClientPool {
  workers: Worker<unknown>[];
  report(): Promise<{
    /** Every frame received (the samples are a thinned copy when there are many). */
    deliveries: number;
    samples: number[];
    perEvent: Map<number, { received: number; last: number }>;
  }>;
  /** Event frames received so far by all clients: cheap, for waiting until all arrived. */
  deliveries(): Promise<number>;
  close(): void;
}

export async function connectClients(
  url: string,
  bindings: string[],
  auth: { token?: string; accountId?: string },
  processes = 2,
): Promise<ClientPool> {
  const workers = Array.from({ length: processes }, () => forkWorker<unknown>("ws-clients.ts"));
  await Promise.all(
    workers.map((worker, i) => {
      worker.send({
        type: "connect",
        url,
        token: auth.token,
        accountId: auth.accountId,
        bindings: bindings.filter((_, j) => j % processes === i),
      });
      return worker.next("connected");
    }),
  );
  return {
    workers,
    async report() {
      const reports = await Promise.all(
        workers.map((w) => {
          w.send({ type: "report" });
          return w.next<ClientReport>("report");
        }),
      );
      const samples = reports.flatMap((r) => r.samples).sort((a, b) => a - b);
      const perEvent = new Map<number, { received: number; last: number }>();
      for (const r of reports) {
        for (const e of r.perEvent) {
          const entry = perEvent.get(e.seq) ?? { received: 0, last: 0 };
          entry.received += e.received;
          entry.last = Math.max(entry.last, e.last);
          perEvent.set(e.seq, entry);
        }
      }
      return { deliveries: reports.reduce((n, r) => n + r.count, 0), samples, perEvent };
    },
    async deliveries() {
      const counts = await Promise.all(
        workers.map((w) => {
          w.send({ type: "count" });
          return w.next<{ count: number }>("count");
        }),
      );
      return counts.reduce((n, c) => n + c.count, 0);
    },
    close() {
      for (const w of workers) {
        w.send({ type: "close" });
      }
    },
  };
}
