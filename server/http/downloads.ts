/**
 * Signed downloads: recording files (streamed, with Range support) and chat exports (CSV). The
 * link's HMAC signature and expiry are the only credential; a forged or expired link gets 403.
 * @module
 */
import { createReadStream, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { createRoute } from "@hono/zod-openapi";
import type Database from "better-sqlite3";
import { z } from "zod";
import { DomainError } from "../domain/errors";
import type { SideEvents } from "../domain/side-events";
import type { UrlSigner } from "../domain/signed-urls";
import { toCsv } from "./csv";
import type { HttpApp } from "./env";
import { connectyCubeErrorAnswers, content, security } from "./responses";
import { serve } from "./route";

const types: Record<string, string> = {
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mkv": "video/x-matroska",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".ogg": "audio/ogg",
  ".m4a": "audio/mp4",
};

const forbidden = () =>
  new DomainError("forbidden", { message: "This link is invalid or has expired" });
const gone = () => new DomainError("bad_identifier", { message: "The file is not available" });

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

const fileTypes = content(...new Set(Object.values(types)), "application/octet-stream");
const base = { tags: ["downloads"], security: security.signedLink };
const link = {
  expires: z.string().optional().meta({ description: "Unix seconds; the link's expiry" }),
  signature: z.string().optional().meta({ description: "The link's HMAC signature" }),
};

const recordingFile = createRoute({
  ...base,
  method: "get",
  path: "/recordings/{id}/file",
  summary: "Download a recording (Range supported); the link comes from the meeting's recordings",
  request: { params: z.object({ id: z.string() }), query: z.object(link) },
  responses: {
    200: { description: "The file", content: fileTypes },
    206: { description: "The requested range", content: fileTypes },
    302: { description: "The file lives elsewhere (the recording's `url`)" },
    416: { description: "A range outside the file" },
    ...connectyCubeErrorAnswers(403, 404),
  },
});

const chatExport = createRoute({
  ...base,
  method: "get",
  path: "/exports/chat/{file}",
  summary:
    "A meeting's chat as CSV (`{conference_id}.csv`); the link comes from `meeting.chatSynced`",
  request: {
    params: z.object({ file: z.string() }),
    query: z.object({
      since: z.string().optional().meta({ description: "Unix ms, part of the signed link" }),
      until: z.string().optional().meta({ description: "Unix ms, part of the signed link" }),
      ...link,
    }),
  },
  responses: {
    200: { description: "CSV, one message a line", content: content("text/csv") },
    ...connectyCubeErrorAnswers(403),
  },
});

/** Serves the signed downloads; the link is the credential, so no token is asked. */
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

  serve(app, recordingFile, async (c) => {
    const path = new URL(c.req.url).pathname;
    if (!deps.signer.verify(path, c.req.query("expires"), c.req.query("signature"))) {
      throw forbidden();
    }
    const recording = deps.sideEvents.recording(c.req.param("id"));
    if (!recording) {
      throw gone();
    }
    if (!recording.file_path) {
      if (recording.url) {
        return c.redirect(recording.url, 302);
      }
      throw gone();
    }
    const file = resolve(root, recording.file_path);
    let info: Stats | undefined;
    if (file.startsWith(root + sep)) {
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) {
      throw gone();
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

  serve(app, chatExport, (c) => {
    const since = c.req.query("since") ?? "";
    const until = c.req.query("until") ?? "";
    const signedPath = `${new URL(c.req.url).pathname}?since=${since}&until=${until}`;
    if (!deps.signer.verify(signedPath, c.req.query("expires"), c.req.query("signature"))) {
      throw forbidden();
    }
    // Hono has already percent-decoded the parameter.
    const conferenceId = c.req.param("file").replace(/\.csv$/, "");
    const rows = chat.all(
      conferenceId,
      Number(since) || 0,
      Number(until) || Number.MAX_SAFE_INTEGER,
    ) as Array<Record<string, unknown>>;
    const csv = toCsv(
      [
        "sent_at",
        "chat_type",
        "from_user_id",
        "from_username",
        "to_user_id",
        "to_username",
        "message",
      ],
      rows.map((r) => ({ ...r, sent_at: new Date(r.sent_at as number).toISOString() })),
    );
    return c.body(csv, 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="chat-${conferenceId.replaceAll('"', "")}.csv"`,
    });
  });
}
