/**
 * WebSocket clients for the latency and fan-out scenarios: opens the connections, subscribes each
 * to its binding, and records for every event frame the delay since the publisher stamped it
 * (`bench_sent_at` in the event, a wall clock shared by every process on the machine).
 */
import { WebSocket } from "ws";

interface Task {
  url: string;
  token?: string;
  accountId?: string;
  /** One binding per client. */
  bindings: string[];
}

const now = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
let samples = new Float64Array(1 << 20);
let count = 0;
/** Per event sequence number: how many clients got it and the latest arrival delay. */
const perEvent = new Map<number, { received: number; last: number }>();

/**
 * The send time and sequence number, under parley's normalised keys or Kazoo's (the bare relay's
 * frames): one pass each for both sides, so neither side's clients do more work per frame.
 */
const SENT = /"(?:bench_sent_at|Bench-Sent-At)":([0-9.]+)/;
const SEQ = /"(?:bench_seq|Bench-Seq)":(\d+)/;

function record(raw: string) {
  // Cheap extraction: the frame is JSON, but only two numbers are needed.
  const sent = SENT.exec(raw);
  if (!sent?.[1]) {
    return;
  }
  const delay = now() - Number(sent[1]);
  if (count === samples.length) {
    const bigger = new Float64Array(samples.length * 2);
    bigger.set(samples);
    samples = bigger;
  }
  samples[count++] = delay;
  const seq = SEQ.exec(raw);
  if (seq?.[1]) {
    const n = Number(seq[1]);
    const entry = perEvent.get(n) ?? { received: 0, last: 0 };
    entry.received += 1;
    entry.last = Math.max(entry.last, delay);
    perEvent.set(n, entry);
  }
}

async function open(task: Task, binding: string): Promise<void> {
  const socket = new WebSocket(`${task.url.replace("http", "ws")}/ws`, {
    perMessageDeflate: false,
  });
  sockets.push(socket);
  await new Promise<void>((done, fail) => {
    socket.once("open", () => done());
    socket.once("error", fail);
  });
  await new Promise<void>((done, fail) => {
    socket.on("message", (data) => {
      const text = data.toString();
      if (text.startsWith('{"action":"reply"')) {
        if (text.includes('"status":"success"')) {
          done();
        } else {
          fail(new Error(text));
        }
        return;
      }
      record(text);
    });
    socket.send(
      JSON.stringify({
        action: "subscribe",
        auth_token: task.token,
        request_id: "s",
        data: { account_id: task.accountId, binding },
      }),
    );
  });
}

process.on("message", async (message: { type: string } & Partial<Task>) => {
  if (message.type === "connect") {
    const task = message as Task;
    const batch = 200;
    for (let i = 0; i < task.bindings.length; i += batch) {
      await Promise.all(task.bindings.slice(i, i + batch).map((b) => open(task, b)));
    }
    process.send?.({ type: "connected", sockets: sockets.length });
  } else if (message.type === "count") {
    process.send?.({ type: "count", count });
  } else if (message.type === "reset") {
    count = 0;
    perEvent.clear();
    process.send?.({ type: "reset" });
  } else if (message.type === "report") {
    const sorted = Array.from(samples.subarray(0, count)).sort((a, b) => a - b);
    // Send a thinned copy: percentiles need order, not every sample.
    const step = Math.max(1, Math.floor(sorted.length / 200_000));
    const thinned = sorted.filter((_, i) => i % step === 0 || i === sorted.length - 1);
    process.send?.({
      type: "report",
      count,
      samples: thinned,
      perEvent: [...perEvent.entries()].map(([seq, e]) => ({
        seq,
        received: e.received,
        last: e.last,
      })),
    });
  } else if (message.type === "close") {
    for (const socket of sockets) {
      socket.terminate();
    }
    process.exit(0);
  }
});
