/**
 * Runs documentation curl commands literally: splits a shell command line into words (single and
 * double quotes, backslash-newline continuations) and runs the real `curl` binary with them.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Splits a POSIX shell command into words; enough for documentation curl examples. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote === "'") {
      if (ch === "'") {
        quote = undefined;
      } else {
        word += ch;
      }
      continue;
    }
    if (quote === '"') {
      if (ch === '"') {
        quote = undefined;
      } else if (ch === "\\" && /["\\$`]/.test(command[i + 1] ?? "")) {
        word += command[++i];
      } else {
        word += ch;
      }
      continue;
    }
    if (ch === "\\") {
      const next = command[i + 1];
      if (next === "\n") {
        i++;
        continue;
      }
      if (next !== undefined) {
        word += next;
        inWord = true;
        i++;
      }
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) {
        words.push(word);
        word = "";
        inWord = false;
      }
      continue;
    }
    word += ch;
    inWord = true;
  }
  if (quote) {
    throw new Error(`unterminated ${quote} in: ${command}`);
  }
  if (inWord) {
    words.push(word);
  }
  return words;
}

/** What curl reported: HTTP status, the response body, and its verbose trace (stderr). */
export interface CurlResult {
  status: number;
  body: string;
  trace: string;
}

/**
 * Runs `curl` with `args`, adding `-s` and a `-w` that appends the status code, so the status
 * and the body come back apart.
 */
export async function runCurl(args: string[]): Promise<CurlResult> {
  const marker = "\n--parley-http-code:";
  const { stdout, stderr } = await run("curl", [...args, "-s", "-w", `${marker}%{http_code}`], {
    timeout: 20_000,
  });
  const at = stdout.lastIndexOf(marker);
  if (at < 0) {
    throw new Error(`curl printed no status: ${stdout}`);
  }
  return {
    status: Number(stdout.slice(at + marker.length)),
    body: stdout.slice(0, at),
    trace: stderr,
  };
}
