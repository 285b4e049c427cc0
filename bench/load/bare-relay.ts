/**
 * Baseline for latency and fan-out: the least a relay can do. An amqplib consumer acknowledging
 * at once, and a bare `ws` server pushing each message's body to the sockets that asked for its
 * conference, and to those bound to every conference (`conference.event.*.*`, the account-wide
 * client), so it makes as many deliveries as parley. No store, no validation, no ordering
 * guarantees.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import amqp from "amqplib";
import { WebSocket, WebSocketServer } from "ws";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

process.once("message", async (task: { exchange: string; queue: string }) => {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const byConference = new Map<string, Set<WebSocket>>();
  /** Sockets bound to every conference of the account. */
  const everywhere = new Set<WebSocket>();
  wss.on("connection", (socket) => {
    socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as { data: { binding: string } };
      const conference = message.data.binding.split(".")[2] ?? "";
      if (conference === "*") {
        everywhere.add(socket);
      } else {
        const set = byConference.get(conference) ?? new Set();
        set.add(socket);
        byConference.set(conference, set);
      }
      socket.send('{"action":"reply","request_id":"s","status":"success"}');
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  await channel.assertExchange(task.exchange, "topic", { durable: true });
  await channel.assertQueue(task.queue, { durable: false, autoDelete: true });
  await channel.bindQueue(task.queue, task.exchange, "conference.event.#");
  await channel.prefetch(500);
  await channel.consume(task.queue, (message) => {
    if (!message) {
      return;
    }
    const conference = message.fields.routingKey.split(".")[4] ?? "";
    const frame = `{"action":"event","data":${message.content.toString()}}`;
    for (const sockets of [byConference.get(conference), everywhere]) {
      for (const socket of sockets ?? []) {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send(frame);
        }
      }
    }
    channel.ack(message);
  });
  process.send?.({
    type: "ready",
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pid: process.pid,
  });
});
