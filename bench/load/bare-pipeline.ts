/**
 * Baseline for ingest: the broker hops parley's ingest makes in cluster mode, and nothing else.
 * It consumes the source queue with parley's prefetch, takes what arrived in one event-loop turn
 * as a batch, appends each batch as one message to the stream `<queue>.log` with a publisher
 * confirm (two batches in flight, what arrives meanwhile joining the next one), reads the stream
 * back, and once a batch's copy came back acknowledges its source messages with one `multiple`
 * ack per batch. No decoding, no store. Progress is a Prometheus counter on its own `/metrics`
 * (with the default process metrics, as parley's has), scraped as parley's is.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import amqp, { type ConsumeMessage } from "amqplib";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** What the scenario asks for: its queue and stream are declared and filled already. */
interface Task {
  queue: string;
  stream: string;
  /** parley's source prefetch (server/amqp/rabbitmq.ts). */
  prefetch: number;
  /** parley's stream read prefetch (server/amqp/stream-log.ts). */
  streamPrefetch: number;
  /** parley's MAX_BATCHES_IN_FLIGHT (server/domain/ingest.ts). */
  inFlight: number;
}

process.once("message", async (task: Task) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bare_" });
  const committed = new Counter({
    name: "bare_events_committed_total",
    help: "Source messages acknowledged after their batch came back from the stream",
    registers: [registry],
  });
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));

  // One connection, as parley's bus and log share one: a consume, a confirm and a read channel.
  const connection = await amqp.connect(url);
  const consume = await connection.createChannel();
  const publish = await connection.createConfirmChannel();
  const read = await connection.createChannel();
  await consume.prefetch(task.prefetch);
  await read.prefetch(task.streamPrefetch);

  /** Batch id → resolves when the batch's stream copy was read back. */
  const awaiting = new Map<string, () => void>();
  const readBack: ConsumeMessage[] = [];
  await read.consume(
    task.stream,
    (message) => {
      if (!message) {
        return;
      }
      readBack.push(message);
      if (readBack.length === 1) {
        // Like parley's log reader: what arrived in a turn is taken together, acked up to its last.
        setImmediate(() => {
          const taken = readBack.splice(0);
          const last = taken.at(-1);
          if (last) {
            read.ack(last, true);
          }
          for (const m of taken) {
            awaiting.get(String(m.properties.messageId))?.();
          }
        });
      }
    },
    { noAck: false, arguments: { "x-stream-offset": "first" } },
  );

  let nextId = 0;
  let inFlight = 0;
  let pending: ConsumeMessage[] = [];
  /** Turn batches waiting for a place among the batches in flight. */
  const waiting: ConsumeMessage[][] = [];
  /** Acks go out in batch order: a `multiple` ack settles everything before it. */
  let acked: Promise<void> = Promise.resolve();

  const take = async (turns: ConsumeMessage[][]) => {
    const id = String(nextId++);
    const back = new Promise<void>((done) => awaiting.set(id, done));
    const parts: Buffer[] = [Buffer.from("[")];
    for (const [i, message] of turns.flat().entries()) {
      parts.push(i === 0 ? message.content : Buffer.concat([Buffer.from(","), message.content]));
    }
    parts.push(Buffer.from("]"));
    await new Promise<void>((done, fail) =>
      publish.publish(
        "",
        task.stream,
        Buffer.concat(parts),
        { persistent: true, contentType: "application/json", messageId: id },
        (error) => (error ? fail(error) : done()),
      ),
    );
    await back;
    awaiting.delete(id);
    const earlier = acked;
    acked = (async () => {
      await earlier;
      for (const turn of turns) {
        const last = turn.at(-1);
        if (last) {
          consume.ack(last, true);
          committed.inc(turn.length);
        }
      }
    })();
    await acked;
  };

  const launch = () => {
    while (inFlight < task.inFlight && waiting.length > 0) {
      inFlight += 1;
      take(waiting.splice(0))
        .catch((error: unknown) => {
          console.error("bare-pipeline:", error);
          process.exit(1);
        })
        .finally(() => {
          inFlight -= 1;
          launch();
        });
    }
  };

  await consume.consume(task.queue, (message) => {
    if (!message) {
      return;
    }
    pending.push(message);
    if (pending.length === 1) {
      setImmediate(() => {
        waiting.push(pending);
        pending = [];
        launch();
      });
    }
  });
  process.send?.({
    type: "ready",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
  });
});
