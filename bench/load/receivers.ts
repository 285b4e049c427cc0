/**
 * Webhook receivers for the webhooks scenario: N keep-alive HTTP servers that verify every
 * Standard Webhooks signature with the `standardwebhooks` package and record each delivery's
 * id and delay since the event (the native body's `timestamp`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

const servers: Server[] = [];
const verifiers = new Map<number, Webhook>();
const ids = new Set<string>();
let unverified = 0;
let received = 0;
let first = 0;
let last = 0;
const delays: number[] = [];
const now = () => performance.timeOrigin + performance.now();

process.on("message", async (message: { type: string; count?: number; secrets?: string[] }) => {
  if (message.type === "listen") {
    const urls: string[] = [];
    for (let i = 0; i < (message.count ?? 10); i += 1) {
      const index = i;
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const at = now();
          received += 1;
          first ||= at;
          last = at;
          try {
            const payload = verifiers
              .get(index)
              ?.verify(body, req.headers as Record<string, string>) as { timestamp?: string };
            ids.add(String(req.headers["webhook-id"]));
            if (payload?.timestamp) {
              delays.push(at - Date.parse(payload.timestamp));
            }
          } catch {
            unverified += 1;
          }
          res.writeHead(200, { "content-length": "0" });
          res.end();
        });
      });
      server.keepAliveTimeout = 30_000;
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    }
    process.send?.({ type: "listening", urls });
  } else if (message.type === "secrets") {
    for (const [i, secret] of (message.secrets ?? []).entries()) {
      verifiers.set(i, new Webhook(secret));
    }
    process.send?.({ type: "secrets" });
  } else if (message.type === "status") {
    process.send?.({ type: "status", received, unique: ids.size, unverified, first, last });
  } else if (message.type === "report") {
    delays.sort((a, b) => a - b);
    process.send?.({
      type: "report",
      received,
      unique: ids.size,
      unverified,
      first,
      last,
      delays: delays.filter((_, i) => i % Math.max(1, Math.floor(delays.length / 100_000)) === 0),
    });
  }
});
