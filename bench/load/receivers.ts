/**
 * Webhook receivers for the webhook scenarios: N keep-alive HTTP servers in one process that
 * verify every Standard Webhooks signature with the `standardwebhooks` package (an independent
 * implementation, so a wrong signature of parley's or the bare sender's shows up as unverified),
 * count unique `webhook-id`s, and note when each new one arrived, by endpoint and conference
 * (the body's `data.meeting.id`), so the scenario can pair arrivals with publish times.
 *
 * Messages: `listen` {count} → `listening` {urls}; `secrets` {secrets} → `secrets`; `status` →
 * counts; `reset` (a new phase) → `reset`; `arrivals` → arrival times by "endpoint|conference";
 * `sample` → the last verified body.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

const servers: Server[] = [];
const verifiers = new Map<number, Webhook>();
let ids = new Set<string>();
let arrivals = new Map<string, number[]>();
let unverified = 0;
let received = 0;
let first = 0;
let last = 0;
let sample = "";
const now = () => performance.timeOrigin + performance.now();

function receive(index: number, headers: IncomingHttpHeaders, body: string, at: number): void {
  received += 1;
  try {
    const payload = verifiers.get(index)?.verify(body, headers as Record<string, string>) as
      | { data?: { meeting?: { id?: string } } }
      | undefined;
    if (!payload) {
      throw new Error("no secret for this endpoint");
    }
    sample = body;
    const id = String(headers["webhook-id"]);
    if (ids.has(id)) {
      return;
    }
    ids.add(id);
    first ||= at;
    last = at;
    const key = `${index}|${payload.data?.meeting?.id ?? ""}`;
    const times = arrivals.get(key);
    if (times) {
      times.push(at);
    } else {
      arrivals.set(key, [at]);
    }
  } catch {
    unverified += 1;
  }
}

async function listen(count: number): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const index = i;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        receive(index, req.headers, Buffer.concat(chunks).toString("utf8"), now());
        res.writeHead(200, { "content-length": "0" });
        res.end();
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
  }
  return urls;
}

// Gone with the scenario that forked it, even when that one crashed.
process.once("disconnect", () => process.exit(0));

process.on("message", async (message: { type: string; count?: number; secrets?: string[] }) => {
  if (message.type === "listen") {
    process.send?.({ type: "listening", urls: await listen(message.count ?? 10) });
  } else if (message.type === "secrets") {
    for (const [i, secret] of (message.secrets ?? []).entries()) {
      verifiers.set(i, new Webhook(secret));
    }
    process.send?.({ type: "secrets" });
  } else if (message.type === "status") {
    process.send?.({ type: "status", received, unique: ids.size, unverified, first, last });
  } else if (message.type === "reset") {
    ids = new Set();
    arrivals = new Map();
    unverified = 0;
    received = 0;
    first = 0;
    last = 0;
    process.send?.({ type: "reset" });
  } else if (message.type === "arrivals") {
    process.send?.({ type: "arrivals", arrivals: Object.fromEntries(arrivals) });
  } else if (message.type === "sample") {
    process.send?.({ type: "sample", body: sample });
  }
});
