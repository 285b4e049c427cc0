/**
 * Publishes Kazoo current-feed talking events at a fixed rate, each stamped with its send time
 * (`Bench-Sent-At`) and a sequence number (`Bench-Seq`), round-robin over the conferences.
 */
import amqp from "amqplib";
import { feedEvent } from "../lib/setup";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const now = () => performance.timeOrigin + performance.now();

interface Task {
  exchange: string;
  accountId: string;
  conferences: string[];
  rate: number;
  seconds: number;
  /** Fixed number of events, one every `intervalMs` (fan-out); overrides rate/seconds. */
  count?: number;
  intervalMs?: number;
}

process.once("message", async (task: Task) => {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  let seq = 0;
  const publish = () => {
    const conference = task.conferences[seq % task.conferences.length] ?? "c";
    const talking = Math.floor(seq / task.conferences.length) % 2 === 0;
    const { routingKey, body } = feedEvent(
      talking ? "start-talking" : "stop-talking",
      task.accountId,
      conference,
      `call-${seq % 7}`,
      (seq % 7) + 1,
      { "Bench-Seq": seq, "Bench-Sent-At": now() },
    );
    channel.publish(task.exchange, routingKey, Buffer.from(JSON.stringify(body)));
    seq += 1;
  };
  const started = now();
  if (task.count !== undefined) {
    for (let i = 0; i < task.count; i += 1) {
      publish();
      await new Promise((r) => setTimeout(r, task.intervalMs ?? 100));
    }
  } else {
    const total = task.rate * task.seconds;
    while (seq < total) {
      const due = Math.min(total, Math.floor(((now() - started) / 1000) * task.rate));
      while (seq < due) {
        publish();
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  await new Promise((r) => setTimeout(r, 50));
  await connection.close();
  process.send?.({ type: "done", published: seq, seconds: (now() - started) / 1000 });
});
