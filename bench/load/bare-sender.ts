/**
 * Baseline for webhooks: the bare minimum a sender does. Sign each body (Standard Webhooks) and
 * POST it over keep-alive connections with 64 in flight, no store, no retries, no ordering.
 */
import { createHmac, randomBytes } from "node:crypto";
import http from "node:http";

process.once("message", async (task: { urls: string[]; secrets: string[]; count: number }) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const send = (i: number) =>
    new Promise<void>((done) => {
      const target = i % task.urls.length;
      const id = `msg_${randomBytes(12).toString("hex")}`;
      const ts = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        type: "meeting.participantMuted",
        timestamp: new Date().toISOString(),
        data: { n: i },
      });
      const key = Buffer.from((task.secrets[target] ?? "").slice(6), "base64");
      const signature = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
      const req = http.request(task.urls[target] ?? "", {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "webhook-id": id,
          "webhook-timestamp": String(ts),
          "webhook-signature": `v1,${signature}`,
        },
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => done());
      });
      req.on("error", () => done());
      req.end(body);
    });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < task.count) {
      const i = next;
      next += 1;
      await send(i);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  process.send?.({ type: "done", rate: task.count / ((performance.now() - started) / 1000) });
});
