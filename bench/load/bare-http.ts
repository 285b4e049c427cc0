/**
 * Baseline for http: the least a server answering parley's two requests can do, on the same stack
 * (Hono on @hono/node-server). It checks an `X-Auth-Token` header as parley's routes must (present,
 * non-empty, equal to the one known token), then for GET answers the conference document parley
 * served at set-up (the same bytes and content type, from memory), and for PUT publishes one
 * command of parley's shape on a confirm channel, waits for the broker's confirm and answers 201
 * with the body parley answered. No store, no token signature, no validation.
 */
import { randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import amqp from "amqplib";
import { Hono } from "hono";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

interface Task {
  token: string;
  exchange: string;
  /** The conference document as parley served it, base64. */
  document: string;
  contentType: string;
  /** parley's answer to a mute, sent as is. */
  muted: string;
}

process.once("message", async (task: Task) => {
  const document = Buffer.from(task.document, "base64");
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(task.exchange, "topic", { durable: true });

  const app = new Hono();
  app.use("/v2/*", async (c, next) => {
    const token = c.req.header("x-auth-token");
    if (!token || token !== task.token) {
      return c.json({ status: "error", message: "invalid credentials" }, 401);
    }
    await next();
  });
  app.get("/v2/accounts/:account/conferences/:conference", (c) =>
    c.body(document, 200, { "content-type": task.contentType }),
  );
  app.put("/v2/accounts/:account/conferences/:conference/participants/:participant", async (c) => {
    const { data } = await c.req.json<{ data: { action: string } }>();
    const conference = c.req.param("conference");
    // The command parley publishes for a mute (protocol/commands.ts), same shape and size.
    const command = {
      "Event-Category": "conference",
      "Event-Name": "command",
      "Application-Name": `${data.action}_participant`,
      "Conference-ID": conference,
      "Participant-ID": Number(c.req.param("participant")),
      "Msg-ID": randomUUID(),
      "App-Name": "parley",
      "App-Version": "0.1.0",
    };
    await new Promise<void>((done, fail) =>
      channel.publish(
        task.exchange,
        `conference.command.${conference}`,
        Buffer.from(JSON.stringify(command)),
        { contentType: "application/json", messageId: command["Msg-ID"] },
        (error) => (error ? fail(error) : done()),
      ),
    );
    return c.body(task.muted, 201, { "content-type": "application/json" });
  });
  serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send?.({ type: "ready", url: `http://127.0.0.1:${info.port}` });
  });
});
