/**
 * Sends one webhook request over keep-alive connections, with a timeout, reading at most 64 KiB
 * of the answer. Every address the socket may connect to is checked by the SSRF guard (the
 * connect-time `lookup` hook for names, a check before the request for IP literals, which Node
 * connects to without a lookup), so a DNS name re-pointed after the subscription was saved still
 * cannot reach a private address. Redirects are never followed: `node:http` does not follow them,
 * and a 3xx is returned as the attempt's outcome like any other non-2xx answer.
 * @module
 */

import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { addressesProblem, addressProblem, type ResolveHost } from "./ssrf";

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

export function createSender(options: {
  allowPrivate: boolean;
  /** Resolves host names instead of DNS (tests of the SSRF guard). */
  resolveHost?: ResolveHost;
  timeoutMs?: number;
  userAgent: string;
}): Sender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const resolve = (
    hostname: string,
    lookupOptions: Parameters<LookupFunction>[1],
    done: (error: Error | null, list: Array<{ address: string; family: number }>) => void,
  ) => {
    if (options.resolveHost) {
      options.resolveHost(hostname).then(
        (list) =>
          done(
            null,
            list.map((address) => ({ address, family: isIP(address) || 4 })),
          ),
        (error: Error) => done(error, []),
      );
      return;
    }
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) =>
      done(error, addresses as unknown as Array<{ address: string; family: number }>),
    );
  };
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, lookupOptions, (error, list) => {
      if (error) {
        callback(error, "", 4);
        return;
      }
      if (list.length === 0) {
        // An empty answer must not fall through to a connect to "" (which Node reads as this host).
        callback(new Error(`no address found for ${hostname}`), "", 4);
        return;
      }
      const problem = options.allowPrivate
        ? undefined
        : addressesProblem(list.map((a) => a.address));
      if (problem) {
        callback(
          new Error(`refusing to connect to a private address for ${hostname}: ${problem}`),
          "",
          4,
        );
        return;
      }
      if (lookupOptions.all) {
        (callback as unknown as (e: null, a: typeof list) => void)(null, list);
        return;
      }
      const first = list[0];
      callback(null, first?.address ?? "", first?.family ?? 4);
    });
  };
  const agentOptions = { keepAlive: true, maxSockets: 16, lookup: guardedLookup };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  return {
    send(request) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      return new Promise<SendResult>((resolve) => {
        let settled = false;
        const finish = (result: Omit<SendResult, "durationMs">) => {
          if (!settled) {
            settled = true;
            resolve({ ...result, durationMs: elapsed() });
          }
        };
        let url: URL;
        try {
          url = new URL(request.url);
        } catch {
          finish({ response: "", error: "invalid URL" });
          return;
        }
        const literal = url.hostname.replace(/^\[|\]$/g, "");
        const problem =
          options.allowPrivate || !isIP(literal) ? undefined : addressProblem(literal);
        if (problem) {
          // Node skips the lookup for IP literals, so the guard checks them here.
          finish({
            response: "",
            error: `refusing to connect to a private address for ${literal}: ${problem}`,
          });
          return;
        }
        const isHttps = url.protocol === "https:";
        const body = Buffer.from(request.body, "utf8");
        const req = (isHttps ? https : http).request(url, {
          method: "POST",
          agent: isHttps ? agents.https : agents.http,
          headers: {
            ...request.headers,
            "user-agent": options.userAgent,
            "content-length": String(body.length),
          },
          timeout: timeoutMs,
        });
        req.on("timeout", () => {
          req.destroy(new Error(`timed out after ${timeoutMs} ms`));
        });
        req.on("error", (error) => finish({ response: "", error: error.message }));
        req.on("response", (res) => {
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
        });
        req.end(body);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
