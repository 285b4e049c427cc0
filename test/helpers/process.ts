/**
 * Runs parley as `npm start` does (`node --import tsx server/main.ts`) in a child process, for
 * tests of the process edge: start-up output, exit codes, signals. The child is the server itself,
 * so a signal sent to it reaches parley.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { onTestFinished, vi } from "vitest";
import type { ParleyServer } from "../../server/create-server";
import { apiClient } from "./api";

const root = resolve(import.meta.dirname, "../..");

export interface ParleyProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the base URL once the server logged that it listens. */
  ready(): Promise<string>;
}

/** How the process is started: as `node` directly (default), or a command that wraps it. */
export interface SpawnOptions {
  /** `npm start`, as an operator or a supervisor runs it. */
  npmStart?: boolean;
  /** A command that runs node for parley, e.g. `["strace", "-f", …]`. */
  wrap?: string[];
}

export function spawnParley(
  env: Record<string, string>,
  options: SpawnOptions = {},
): ParleyProcess {
  const nodeCommand = [process.execPath, "--import", "tsx", "server/main.ts"];
  const [command = process.execPath, ...args] = options.npmStart
    ? ["npm", "start", "--silent"]
    : [...(options.wrap ?? []), ...nodeCommand];
  const child = spawn(command, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      HOST: "127.0.0.1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on("exit", (code, signal) => done({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    ready: () =>
      vi.waitFor(
        () => {
          const match = out.match(/listening on port (\d+)/);
          if (!match) {
            throw new Error(`parley has not started yet; stderr: ${err.slice(-500)}`);
          }
          return `http://127.0.0.1:${match[1]}`;
        },
        { timeout: 20_000, interval: 50 },
      ),
  };
}

/**
 * Spawns parley and waits until it answers `/readyz` with 200 (connected to its bus), for tests
 * that restart a process on the same database and broker queue.
 */
export async function startParleyProcess(env: Record<string, string>) {
  const parley = spawnParley(env);
  const url = await parley.ready();
  await vi.waitFor(
    async () => {
      const res = await fetch(`${url}/readyz`);
      if (res.status !== 200) {
        throw new Error(`parley not ready: ${await res.text()}`);
      }
    },
    { timeout: 10_000, interval: 50 },
  );
  // apiClient needs only the base URL of a server.
  return { parley, url, api: apiClient({ url } as ParleyServer) };
}
