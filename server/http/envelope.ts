/**
 * Kazoo crossbar's response envelope, built in one place for successes and errors alike.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type ErrorCode, statusOf } from "../../protocol/errors";
import type { HttpEnv } from "./env";

/** Values every envelope carries that do not depend on the request. */
export interface EnvelopeInfo {
  version: string;
  node: string;
  now: () => number;
}

function timestamp(now: number): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Sends `data` in a success envelope; `revision` is added when the data has one. */
export function success(
  c: Context<HttpEnv>,
  info: EnvelopeInfo,
  data: unknown,
  options: {
    status?: ContentfulStatusCode;
    revision?: string | undefined;
    /** Extra top-level keys, such as a list's `page_size`. */
    extra?: Record<string, unknown>;
  } = {},
): Response {
  const body: Record<string, unknown> = {
    auth_token: c.get("authToken") ?? "",
    data,
    node: info.node,
    request_id: c.get("requestId"),
  };
  if (options.revision !== undefined) {
    body.revision = options.revision;
    c.header("ETag", `"${options.revision}"`);
  }
  body.status = "success";
  body.timestamp = timestamp(info.now());
  body.version = info.version;
  Object.assign(body, options.extra);
  return c.json(body, options.status ?? 200);
}

/**
 * `success` for data already serialised (a cached conference read): the same envelope, byte
 * for byte, with `dataJson` and each of `extraJson`'s values spliced in as they are.
 */
export function successJson(
  c: Context<HttpEnv>,
  info: EnvelopeInfo,
  dataJson: string,
  options: { revision?: string | undefined; extraJson?: Record<string, string> } = {},
): Response {
  let text = `{"auth_token":${JSON.stringify(c.get("authToken") ?? "")},"data":${dataJson},"node":${JSON.stringify(info.node)},"request_id":${JSON.stringify(c.get("requestId"))}`;
  if (options.revision !== undefined) {
    text += `,"revision":${JSON.stringify(options.revision)}`;
    c.header("ETag", `"${options.revision}"`);
  }
  text += `,"status":"success","timestamp":"${timestamp(info.now())}","version":${JSON.stringify(info.version)}`;
  for (const [key, json] of Object.entries(options.extraJson ?? {})) {
    text += `,${JSON.stringify(key)}:${json}`;
  }
  c.header("Content-Type", "application/json");
  return c.body(`${text}}`, 200);
}

/** Sends an error envelope: `error` is the HTTP status as a string, `message` the code. */
export function failure(
  c: Context<HttpEnv>,
  info: EnvelopeInfo,
  code: ErrorCode,
  data: unknown,
  extra: Readonly<Record<string, string>> = {},
): Response {
  const status = statusOf(code);
  return c.json(
    {
      ...extra,
      auth_token: c.get("authToken") ?? "",
      data,
      error: String(status),
      message: code,
      node: info.node,
      request_id: c.get("requestId"),
      status: "error",
      timestamp: timestamp(info.now()),
      version: info.version,
    },
    status,
  );
}

/**
 * The envelope's paging keys for one page of a keyset-paged list (Kazoo's): how many rows, the
 * `start_key` asked for, and the `next_start_key` to ask for next (absent on the last page).
 */
export function pageKeys(
  rows: number,
  startKey: string | undefined,
  nextStartKey: string | undefined,
): Record<string, unknown> {
  return {
    page_size: rows,
    ...(startKey === undefined ? {} : { start_key: startKey }),
    ...(nextStartKey === undefined ? {} : { next_start_key: nextStartKey }),
  };
}
