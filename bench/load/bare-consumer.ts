/**
 * Baseline for ingest: a bare amqplib consumer with parley's prefetch that only acknowledges.
 * It binds its own queue before the messages are published, then times the drain from the first
 * message to the last.
 */
import amqp from "amqplib";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

process.once(
  "message",
  async (task: { queue: string; exchange: string; expected: number; prefetch: number }) => {
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    await channel.assertExchange(task.exchange, "topic", { durable: true });
    await channel.assertQueue(task.queue, { durable: true });
    await channel.bindQueue(task.queue, task.exchange, "conference.event.#");
    await channel.prefetch(task.prefetch);
    let received = 0;
    let first = 0;
    process.send?.({ type: "ready" });
    // Wait until everything is queued, so the drain is measured as parley's is.
    for (;;) {
      const { messageCount } = await channel.checkQueue(task.queue);
      if (messageCount >= task.expected) {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await channel.consume(task.queue, (message) => {
      if (!message) {
        return;
      }
      if (received === 0) {
        first = performance.now();
      }
      received += 1;
      channel.ack(message);
      if (received === task.expected) {
        const seconds = (performance.now() - first) / 1000;
        process.send?.({ type: "done", rate: task.expected / seconds });
        void channel.deleteQueue(task.queue).finally(() => connection.close());
      }
    });
  },
);
