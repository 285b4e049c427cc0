/**
 * Human-readable log lines for a terminal. Machines get pino's JSON; a person watching `npm start`
 * gets `12:00:01.234 INFO  message key=value …` with the same (already redacted) fields.
 * @module
 */
import type { DestinationStream } from "pino";

const levels: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const colours: Record<number, string> = { 40: "\x1b[33m", 50: "\x1b[31m", 60: "\x1b[31m" };
const omitted = new Set(["level", "time", "msg", "pid", "hostname", "service"]);

function show(value: unknown): string {
  if (typeof value === "string") {
    return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/** Renders one pino JSON line; a line that is not JSON passes through unchanged. */
export function prettyLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const level = Number(entry.level);
  const time = new Date(Number(entry.time) || Date.now()).toISOString().slice(11, 23);
  const label = levels[level] ?? String(entry.level);
  const painted = colour && colours[level] ? `${colours[level]}${label}\x1b[0m` : label;
  const fields = Object.entries(entry)
    .filter(([key]) => !omitted.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  return `${[time, painted, String(entry.msg ?? ""), ...fields].filter(Boolean).join(" ")}\n`;
}

/** A pino destination writing {@link prettyLine}s to `out` (a terminal). */
export function prettyDestination(out: NodeJS.WriteStream, colour = true): DestinationStream {
  return { write: (line: string) => void out.write(prettyLine(line, colour)) };
}
