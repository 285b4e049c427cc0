/**
 * Sends one webhook request over keep-alive connections, with a timeout, reading at most 64 KiB
 * of the answer. Every address the socket may connect to is checked by the SSRF guard (the
 * connect-time `lookup` hook for names, a check before the request for IP literals, which Node
 * connects to without a lookup), so a DNS name re-pointed after the subscription was saved still
 * cannot reach a private address. Redirects are never followed: `node:http` does not follow them,
 * and a 3xx is returned as the attempt's outcome like any other non-2xx answer.
 * @module
 */
import http from "node:http";
import https from "node:https";
import { type GuardOptions, guardedLookup, literalProblem } from "./guarded-lookup";

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendResult {
  /** HTTP status, absent when no answer came (refused, timeout, …). */
  status?: number;
  /** Seconds from `Retry-After`, when the answer had a usable one. */
  retryAfterSeconds?: number;
  /** The first KiB of the answer. */
  response: string;
  error?: string;
  durationMs: number;
}

/** Whether the endpoint took the delivery: any 2xx answer (Standard Webhooks). */
export const accepted = (result: SendResult): boolean =>
  result.status !== undefined && result.status >= 200 && result.status < 300;

export interface Sender {
  send(request: SendRequest): Promise<SendResult>;
  close(): void;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const KEPT_RESPONSE_BYTES = 1024;

function retryAfterOf(value: string | undefined, now: number): number | undefined {
  if (!value) {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim());
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

export interface SenderOptions extends GuardOptions {
  timeoutMs?: number;
  userAgent: string;
}

export function createSender(options: SenderOptions): Sender {
  return new HttpSender(options);
}

type Finish = (result: Omit<SendResult, "durationMs">) => void;

/** POSTs over keep-alive agents whose lookups are guarded; each attempt settles once. */
class HttpSender implements Sender {
  readonly #options: SenderOptions;
  readonly #timeoutMs: number;
  readonly #agents: { http: http.Agent; https: https.Agent };

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const agentOptions = { keepAlive: true, maxSockets: 16, lookup: guardedLookup(options) };
    this.#agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  }

  send(request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish: Finish = (result) => {
        if (!settled) {
          settled = true;
          resolve({ ...result, durationMs: Math.round(performance.now() - started) });
        }
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        finish({ response: "", error: "invalid URL" });
        return;
      }
      // Node skips the lookup for IP literals, so the guard checks them here.
      const problem = literalProblem(url, this.#options.allowPrivate);
      if (problem) {
        finish({ response: "", error: problem });
        return;
      }
      this.#post(url, request, finish);
    });
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #post(url: URL, request: SendRequest, finish: Finish): void {
    const isHttps = url.protocol === "https:";
    const body = Buffer.from(request.body, "utf8");
    const req = (isHttps ? https : http).request(url, {
      method: "POST",
      agent: isHttps ? this.#agents.https : this.#agents.http,
      headers: {
        ...request.headers,
        "user-agent": this.#options.userAgent,
        "content-length": String(body.length),
      },
      timeout: this.#timeoutMs,
    });
    req.on("timeout", () => {
      req.destroy(new Error(`timed out after ${this.#timeoutMs} ms`));
    });
    req.on("error", (error) => finish({ response: "", error: error.message }));
    req.on("response", (res) => readAnswer(res, finish));
    req.end(body);
  }
}

/** Reads at most `MAX_RESPONSE_BYTES` of the answer, keeps its first KiB, and settles. */
function readAnswer(res: http.IncomingMessage, finish: Finish): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const done = () =>
    finish({
      status: res.statusCode ?? 0,
      retryAfterSeconds: retryAfterOf(res.headers["retry-after"], Date.now()),
      response: Buffer.concat(chunks).subarray(0, KEPT_RESPONSE_BYTES).toString("utf8"),
    });
  res.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_RESPONSE_BYTES) {
      chunks.push(chunk);
    } else {
      // Enough read: answer now and drop the rest of a runaway response.
      done();
      res.destroy();
    }
  });
  res.on("end", done);
  res.on("error", done);
  res.on("close", done);
}
