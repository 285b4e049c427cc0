/**
 * Request bodies, read by one set of rules on every route: a size limit (refused before a byte is
 * read when the length is declared), JSON that parses, and nesting no deeper than `MAX_DEPTH`.
 * A body that breaks a rule raises a typed error (`request_entity_too_large`, or a validation
 * error on `json`) that each route group words in its own body. Also here: the crossbar envelope
 * reader, and the connection rule for answers given before the body is read.
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { depthOf } from "../../protocol/validation";
import { bodyTooLarge, unreadableBody, validationFailed } from "../domain/errors";
import { isPlainObject } from "../domain/merge";
import type { HttpEnv } from "./env";

/** Deepest JSON nesting a request body may have; deeper bodies are refused, not stored. */
export const MAX_DEPTH = 64;

/**
 * Refuses a body over `maxBytes`: by its declared length before reading it, or while it streams
 * in (chunked). Mount it ahead of any route that reads a body.
 */
export function limitBodySize(maxBytes: number): MiddlewareHandler<HttpEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw bodyTooLarge(maxBytes);
    },
  });
  // A GET or HEAD request has no body to the fetch API, and asking for it builds the whole
  // Request object (@hono/node-server makes it lazily), which cost more than the rest of a read.
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next));
}

/** How long, and how much, a refused upload is still read (and dropped) after the answer. */
const LINGER_MS = 2000;
const LINGER_BYTES = 64 * 1024 * 1024;

/**
 * Answers `Connection: close` whenever the response leaves before the request's body has fully
 * arrived (a 413, a 401 before the body is read, a 404 or 405), so the client never reuses a
 * socket that still carries the unread rest of its upload.
 */
export const closeWhenBodyUnread: MiddlewareHandler<HttpEnv> = async (c, next) => {
  await next();
  // Close, not drain-and-keep: any drain needs a bound, and one cut short kills a reusable socket.
  const incoming = c.env?.incoming;
  if (incoming && !incoming.complete) {
    c.header("Connection", "close");
    lingerBeforeClosing(incoming);
  }
};

/**
 * Closes like nginx's lingering close: Node ends a `Connection: close` response's socket through
 * `destroySoon()` the moment the answer is written, and a client still uploading then gets a reset
 * (EPIPE), not a clean end. Here the answer is followed by our FIN, and the rest of the upload
 * is read and dropped until the client stops sending, for at most LINGER_MS and LINGER_BYTES.
 */
function lingerBeforeClosing(incoming: IncomingMessage): void {
  const socket = incoming.socket;
  if (!socket || socket.destroyed) {
    return;
  }
  let lingering = false;
  socket.destroySoon = () => {
    if (lingering) {
      return;
    }
    lingering = true;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    // Once the answer has left: what is still queued must not be cut off.
    let closing = false;
    const close = () => {
      if (!closing) {
        closing = true;
        if (socket.writableFinished) {
          socket.destroy();
        } else {
          socket.once("finish", () => socket.destroy());
        }
      }
    };
    socket.end();
    if (incoming.readableEnded) {
      close();
      return;
    }
    let dropped = 0;
    // Whoever was reading the body has given up on it: drop what still arrives.
    incoming.removeAllListeners("data");
    incoming.on("data", (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) {
        close();
      }
    });
    incoming.once("end", close);
    incoming.resume();
  };
}

/**
 * The body as text. fetch() gives GET no body, so a GET body (seed 002's curl sends its filters
 * that way) is read from the raw request, within `maxBytes`; other bodies are bounded by
 * `limitBodySize` before they get here.
 */
export async function readBodyText(
  c: Context<HttpEnv>,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string> {
  if (c.req.raw.body) {
    return c.req.text();
  }
  const incoming = c.env?.incoming;
  if (!incoming || incoming.readableEnded) {
    return "";
  }
  if (Number(incoming.headers["content-length"] ?? 0) > maxBytes) {
    throw bodyTooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Options of `readJson`. */
export interface JsonRules {
  /** Bound of a GET body (see `readBodyText`). */
  maxBytes?: number;
  /** Rewrites text that is not valid JSON into text that may be; tried once, after a failure. */
  repair?: (text: string) => string;
}

function parseJson(text: string, repair: JsonRules["repair"]): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (repair) {
      try {
        return JSON.parse(repair(text));
      } catch {
        // report the original text's error
      }
    }
    const detail = error instanceof SyntaxError && error.message ? error.message : "";
    throw unreadableBody(detail || "All JSON must be valid");
  }
}

/**
 * The one JSON body reader: text, parse, depth check. Returns `undefined` for an empty body;
 * throws a typed error for anything the rules refuse.
 */
export async function readJson(c: Context<HttpEnv>, rules: JsonRules = {}): Promise<unknown> {
  const text = await readBodyText(c, rules.maxBytes);
  if (text.trim() === "") {
    return undefined;
  }
  const parsed = parseJson(text, rules.repair);
  if (depthOf(parsed, MAX_DEPTH) > MAX_DEPTH) {
    throw unreadableBody(`JSON must not be nested deeper than ${MAX_DEPTH} levels`);
  }
  return parsed;
}

/** A parsed request envelope. */
export interface RequestEnvelope {
  /** The envelope's `data` (object or array). */
  data: unknown;
  /** The whole top-level object, for keys read beside `data` (such as `action`). */
  envelope: Record<string, unknown>;
}

/**
 * Reads a crossbar request envelope, `{"data": …, …}`, with Kazoo's rules: any content type
 * (curl's `-d` sends form-encoded JSON), an empty body means `data: {}`, a non-empty body must be
 * a JSON object holding `data`, and every failure is a 400 validation error.
 */
export async function readEnvelope(c: Context<HttpEnv>): Promise<RequestEnvelope> {
  const parsed = await readJson(c);
  if (parsed === undefined) {
    return { data: {}, envelope: {} };
  }
  if (!isPlainObject(parsed)) {
    throw validationFailed({
      json: {
        type: {
          message: "Value did not match type(s): object",
          target: "object",
        },
      },
    });
  }
  if (!("data" in parsed)) {
    throw validationFailed({ data: { required: { message: "Field is required but missing" } } });
  }
  const data = parsed.data;
  if (typeof data !== "object" || data === null) {
    throw validationFailed({
      data: {
        type: {
          message: "Value did not match type(s): object, array",
          target: "object",
          value: data,
        },
      },
    });
  }
  return { data, envelope: parsed };
}

/** The envelope's `data` when it must be an object (create and update bodies). */
export function dataObject(body: RequestEnvelope): Record<string, unknown> {
  if (!isPlainObject(body.data)) {
    throw validationFailed({
      data: {
        type: {
          message: "Value did not match type(s): object",
          target: "object",
          value: body.data,
        },
      },
    });
  }
  return body.data;
}
