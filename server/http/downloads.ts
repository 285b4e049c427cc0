/**
 * Signed downloads: recording files (streamed, with Range support) and chat exports (CSV). The
 * link's HMAC signature and expiry are the only credential; a forged or expired link gets 403.
 * @module
 */
import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import type Database from "better-sqlite3";
import type { Context } from "hono";
import type { SideEvents } from "../domain/side-events";
import type { UrlSigner } from "../domain/signed-urls";
import type { HttpApp, HttpEnv } from "./env";

const types: Record<string, string> = {
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mkv": "video/x-matroska",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".ogg": "audio/ogg",
  ".m4a": "audio/mp4",
};

const forbidden = (c: Context<HttpEnv>) =>
  c.json({ errors: ["This link is invalid or has expired"] }, 403);
const gone = (c: Context<HttpEnv>) => c.json({ errors: ["The file is not available"] }, 404);

/** A CSV cell: quoted, and defused when a spreadsheet would read it as a formula. */
function cell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return `"${text.replaceAll('"', '""')}"`;
}

/** Parses a single `bytes=a-b` range against a file size; null for none, "bad" when unsatisfiable. */
function rangeOf(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | "bad" {
  if (!header) {
    return null;
  }
  const match = header.match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === "" && match[2] === "")) {
    return "bad";
  }
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? "bad" : { start, end };
}

export function registerDownloadRoutes(
  app: HttpApp,
  deps: {
    signer: UrlSigner;
    sideEvents: SideEvents;
    sqlite: Database.Database;
    recordingsDir: string;
  },
): void {
  const root = resolve(deps.recordingsDir);
  const chat = deps.sqlite.prepare(
    `SELECT sent_at, chat_type, from_user_id, from_username, to_user_id, to_username, message
     FROM chat_messages WHERE conference_id = ? AND sent_at >= ? AND sent_at <= ? ORDER BY id`,
  );

  app.get("/recordings/:id/file", async (c) => {
    const path = new URL(c.req.url).pathname;
    if (!deps.signer.verify(path, c.req.query("expires"), c.req.query("signature"))) {
      return forbidden(c);
    }
    const recording = deps.sideEvents.recording(c.req.param("id"));
    if (!recording) {
      return gone(c);
    }
    if (!recording.file_path) {
      return recording.url ? c.redirect(recording.url, 302) : gone(c);
    }
    const file = resolve(root, recording.file_path);
    if (!file.startsWith(root + sep)) {
      return gone(c);
    }
    let info: Stats;
    try {
      info = await stat(file);
    } catch {
      return gone(c);
    }
    if (!info.isFile()) {
      return gone(c);
    }
    const headers: Record<string, string> = {
      "Content-Type": types[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Accept-Ranges": "bytes",
      "Content-Disposition": `attachment; filename="${(recording.output_file_name ?? recording.id).replaceAll('"', "")}"`,
    };
    const range = rangeOf(c.req.header("range"), info.size);
    if (range === "bad") {
      return c.body(null, 416, { ...headers, "Content-Range": `bytes */${info.size}` });
    }
    if (info.size === 0) {
      return c.body(null, 200, { ...headers, "Content-Length": "0" });
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    const stream = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream;
    headers["Content-Length"] = String(end - start + 1);
    if (range) {
      headers["Content-Range"] = `bytes ${start}-${end}/${info.size}`;
      return c.body(stream, 206, headers);
    }
    return c.body(stream, 200, headers);
  });

  app.get("/exports/chat/:file", (c) => {
    const since = c.req.query("since") ?? "";
    const until = c.req.query("until") ?? "";
    const signedPath = `${new URL(c.req.url).pathname}?since=${since}&until=${until}`;
    if (!deps.signer.verify(signedPath, c.req.query("expires"), c.req.query("signature"))) {
      return forbidden(c);
    }
    // Hono has already percent-decoded the parameter.
    const conferenceId = c.req.param("file").replace(/\.csv$/, "");
    const rows = chat.all(
      conferenceId,
      Number(since) || 0,
      Number(until) || Number.MAX_SAFE_INTEGER,
    ) as Array<Record<string, unknown>>;
    const lines = [
      "sent_at,chat_type,from_user_id,from_username,to_user_id,to_username,message",
      ...rows.map((r) =>
        [
          new Date(r.sent_at as number).toISOString(),
          r.chat_type,
          r.from_user_id,
          r.from_username,
          r.to_user_id,
          r.to_username,
          r.message,
        ]
          .map(cell)
          .join(","),
      ),
    ];
    return c.body(`${lines.join("\r\n")}\r\n`, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="chat-${conferenceId.replaceAll('"', "")}.csv"`,
    });
  });
}
