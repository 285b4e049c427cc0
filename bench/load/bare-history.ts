/**
 * Baseline for history: the least a server answering parley's session timeline
 * (`GET /v2/accounts/{A}/sessions/{S}/events?limit=N`) can do, on the same stack as parley and
 * bare-http.ts (Hono on @hono/node-server). It checks the `X-Auth-Token` header as bare-http.ts
 * does (present, non-empty, equal to the one known token), reads the page with ONE SQL query
 * (the session's bounds and its events, joined) from parley's own SQLite file with
 * better-sqlite3, and answers the bytes parley answers: each row shaped as parley's timeline
 * event (its stored body parsed into `data`, as parley does), in parley's envelope with a fresh
 * request id and the time. No token signature, no account or conference lookup, no watermark.
 */
import { randomUUID } from "node:crypto";
import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import { Hono } from "hono";

interface Task {
  /** parley's database file (parley is stopped while this runs). */
  database: string;
  token: string;
  /** What parley's envelope says for `node` and `version`. */
  node: string;
  version: string;
  contentType: string;
}

interface Row {
  seq: number;
  call_id: string | null;
  name: string;
  routing_key: string;
  body: string;
  received_at: number;
}

/** The session's events in its bounds in the log, as parley's timeline reads them. */
const PAGE = `SELECT e.seq, e.call_id, e.name, e.routing_key, e.body, e.received_at
  FROM conference_sessions s JOIN events e
    ON e.conference_id = s.conference_id AND e.account_id = s.account_id
   AND e.seq >= s.first_seq AND e.seq <= coalesce(s.end_seq, 9007199254740991)
  WHERE s.id = ? AND s.account_id = ? AND e.routing_key LIKE 'conference.event.%'
  ORDER BY e.seq LIMIT ?`;

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

process.once("message", (task: Task) => {
  const db = new Database(task.database, { readonly: true, fileMustExist: true });
  const page = db.prepare(PAGE);

  const app = new Hono();
  app.use("/v2/*", async (c, next) => {
    const token = c.req.header("x-auth-token");
    if (!token || token !== task.token) {
      return c.json({ status: "error", message: "invalid credentials" }, 401);
    }
    await next();
  });
  app.get("/v2/accounts/:account/sessions/:session/events", (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query("limit") ?? 100)));
    const rows = page.all(c.req.param("session"), c.req.param("account"), limit + 1) as Row[];
    const more = rows.length > limit;
    const events = (more ? rows.slice(0, limit) : rows).map((row) => {
      const data = JSON.parse(row.body) as Record<string, unknown>;
      return {
        seq: row.seq,
        name: typeof data.event_name === "string" ? data.event_name : "event",
        event: row.name,
        routing_key: row.routing_key,
        call_id: row.call_id,
        received_at: new Date(row.received_at).toISOString(),
        data,
      };
    });
    const last = events[events.length - 1]?.seq ?? 0;
    const requestId = randomUUID();
    c.header("X-Request-ID", requestId);
    const body = JSON.stringify({
      auth_token: task.token,
      data: events,
      node: task.node,
      request_id: requestId,
      status: "success",
      timestamp: timestamp(),
      version: task.version,
      page_size: events.length,
      ...(more ? { next_after_seq: last } : { resume_from: last }),
    });
    return c.body(body, 200, { "content-type": task.contentType });
  });
  serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send?.({ type: "ready", url: `http://127.0.0.1:${info.port}` });
  });
});
