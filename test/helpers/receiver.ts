/**
 * A real webhook receiver for tests: a `node:http` server on port 0 that records every request
 * (method, url, headers, raw body, arrival time, the answer it got) and answers as the test
 * programs it: a queue of replies, then a default; each reply may set the status, delay the
 * answer, add `Retry-After`, or close the connection without answering.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { onTestFinished, vi } from "vitest";

/** How the receiver answers one request. */
export interface Reply {
  /** HTTP status; 200 when absent. */
  status?: number;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
  /** Value of the `Retry-After` header. */
  retryAfter?: string | number;
  /** Response body; empty when absent. */
  body?: string;
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering. */
  close?: boolean;
}

/** One request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent (`/hook?checksum=…`). */
  url: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The exact body bytes, decoded as UTF-8. */
  body: string;
  /** `Date.now()` when the body had arrived. */
  at: number;
  /** The status the receiver answered with, or `"closed"`. */
  answered: number | "closed";
}

/** Chooses the reply for a request; `undefined` falls through to the queue and the default. */
export type Responder = (request: ReceivedRequest, earlier: ReceivedRequest[]) => Reply | undefined;

export interface Receiver {
  /** Base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Every request so far, in arrival order. */
  requests: ReceivedRequest[];
  /** Answers the next requests with these replies, in order (after any already queued). */
  queue(...replies: Reply[]): void;
  /** The reply once the queue is empty (initially 200). */
  setDefault(reply: Reply): void;
  /** A function consulted first for every request. */
  setResponder(responder: Responder | undefined): void;
  /** Requests whose path (without query) is `path`. */
  on(path: string): ReceivedRequest[];
  /** Waits until `count` requests match `predicate`; returns them. */
  waitFor(
    count: number,
    predicate?: (request: ReceivedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const queued: Reply[] = [];
  let fallback: Reply = { status: 200 };
  let responder: Responder | undefined;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, reply: Reply) => {
    const headers: Record<string, string> = { "content-type": "text/plain", ...reply.headers };
    if (reply.retryAfter !== undefined) {
      headers["retry-after"] = String(reply.retryAfter);
    }
    res.writeHead(reply.status ?? 200, headers);
    res.end(reply.body ?? "");
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: headersOf(req),
        body: Buffer.concat(chunks).toString("utf8"),
        at: Date.now(),
        answered: 200,
      };
      const reply = responder?.(request, [...requests]) ?? queued.shift() ?? fallback;
      request.answered = reply.close ? "closed" : (reply.status ?? 200);
      requests.push(request);
      const respond = () => {
        if (reply.close) {
          req.socket.destroy();
        } else {
          answer(res, reply);
        }
      };
      if (reply.delayMs) {
        // The receiver's own slowness (what it is programmed to do), not a wait in a test.
        const timer = setTimeout(() => {
          timers.delete(timer);
          respond();
        }, reply.delayMs);
        timers.add(timer);
      } else {
        respond();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closed = false;
  const close = async () => {
    if (closed) {
      return;
    }
    closed = true;
    for (const timer of timers) {
      clearTimeout(timer);
    }
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  onTestFinished(close);

  const pathOf = (url: string) => url.split("?")[0] ?? url;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue: (...replies) => {
      queued.push(...replies);
    },
    setDefault: (reply) => {
      fallback = reply;
    },
    setResponder: (next) => {
      responder = next;
    },
    on: (path) => requests.filter((r) => pathOf(r.url) === path),
    waitFor: (count, predicate = () => true, timeoutMs = 10_000) =>
      vi.waitFor(
        () => {
          const got = requests.filter(predicate);
          if (got.length < count) {
            throw new Error(`receiver has ${got.length} of ${count} expected requests`);
          }
          return got;
        },
        { timeout: timeoutMs, interval: 10 },
      ),
    close,
  };
}
