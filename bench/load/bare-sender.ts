/**
 * Baseline for the webhook scenarios: the bare minimum a webhook sender fed by RabbitMQ does.
 * It consumes the same Kazoo events as parley (its own durable queue bound to the same topic
 * exchange, parley's prefetch), renders each mute/unmute into the body parley sends
 * (webhook-body.ts), signs it per endpoint (Standard Webhooks, HMAC-SHA256) and POSTs it over
 * keep-alive connections, 64 requests in flight, unordered, no store, no retries; a message is
 * acknowledged once every post of it has answered. Timing is the receivers' business.
 *
 * Messages: `start` (→ `ready` once consuming), `stop` (→ `stopped` with counts, queue deleted).
 */
import http from "node:http";
import amqp from "amqplib";
import { type BodyTemplate, keyOf, nativeBody, signedHeaders } from "./webhook-body";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

interface Start {
  type: "start";
  exchange: string;
  queue: string;
  prefetch: number;
  urls: string[];
  secrets: string[];
  template: BodyTemplate;
  inFlight: number;
}

/** At most `limit` posts at once; the rest wait their turn in arrival order. */
function createPool(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active -= 1;
    const next = waiting.shift();
    if (next) {
      active += 1;
      next();
    }
  };
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= limit) {
      await new Promise<void>((go) => waiting.push(go));
    } else {
      active += 1;
    }
    try {
      return await job();
    } finally {
      release();
    }
  };
}

async function start(task: Start) {
  // parley's sender allows 16 sockets per endpoint; so does the bare one.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const keys = task.secrets.map(keyOf);
  const targets = task.urls.map((target) => new URL(target));
  const pool = createPool(task.inFlight);
  let posted = 0;
  let failed = 0;

  const post = (target: URL, body: string, headers: Record<string, string>) =>
    new Promise<void>((done) => {
      const req = http.request(target, { method: "POST", agent, headers });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => {
          posted += 1;
          done();
        });
      });
      req.on("error", () => {
        failed += 1;
        done();
      });
      req.end(body);
    });

  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(task.exchange, "topic", { durable: true });
  await channel.assertQueue(task.queue, { durable: true });
  await channel.bindQueue(task.queue, task.exchange, "conference.event.#");
  await channel.prefetch(task.prefetch);
  const { consumerTag } = await channel.consume(task.queue, (message) => {
    if (!message) {
      return;
    }
    const at = Date.now();
    const body = nativeBody(task.template, JSON.parse(message.content.toString("utf8")), at);
    if (body === undefined) {
      channel.ack(message);
      return;
    }
    const posts = targets.map((target, i) =>
      pool(() => post(target, body, signedHeaders(keys[i] ?? Buffer.alloc(0), body, at))),
    );
    void Promise.all(posts).then(() => channel.ack(message));
  });
  process.send?.({ type: "ready" });

  process.on("message", async (message: { type: string }) => {
    if (message.type !== "stop") {
      return;
    }
    await channel.cancel(consumerTag).catch(() => {});
    await channel.deleteQueue(task.queue).catch(() => {});
    await connection.close().catch(() => {});
    agent.destroy();
    process.send?.({ type: "stopped", posted, failed });
  });
}

// Gone with the scenario that forked it, even when that one crashed.
process.once("disconnect", () => process.exit(0));

process.once("message", (task: Start) => {
  start(task).catch((error: unknown) => {
    process.stderr.write(`bare-sender: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  });
});
