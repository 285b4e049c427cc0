/**
 * Child processes for the benchmark: parley started exactly as `npm start` starts it (tsx
 * server/main.ts, configured only through the environment), load generators forked with IPC, and
 * /proc readings of a process's CPU time and resident memory.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";

export interface Parley {
  child: ChildProcess;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `parley-bench-${prefix}-`));
}

/** A TCP port free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** Starts parley and resolves once it listens; `ready` also waits for `/readyz` 200. */
export async function startParley(env: Record<string, string>, ready = true): Promise<Parley> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      // e.g. PARLEY_BENCH_NODE_OPTIONS=--cpu-prof to profile the server under load.
      ...(process.env.PARLEY_BENCH_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.PARLEY_BENCH_NODE_OPTIONS }
        : {}),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // A scenario that fails half-way must not leave its server running after the bench exits.
  const orphanGuard = () => child.kill("SIGKILL");
  process.once("exit", orphanGuard);
  child.once("exit", () => process.off("exit", orphanGuard));
  let err = "";
  child.stdout?.resume();
  child.stderr?.on("data", (chunk) => {
    err = (err + chunk).slice(-10_000);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) {
        throw new Error(`parley exited: ${err.slice(-2000)}`);
      }
      const res = await fetch(`${url}/${ready ? "readyz" : "healthz"}`);
      return res.status === 200;
    },
    60_000,
    "parley to start",
    (error) => error instanceof Error && error.message.startsWith("parley exited"),
  );
  return {
    child,
    url,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) {
          done();
          return;
        }
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  fatal: (error: unknown) => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) {
        return;
      }
    } catch (error) {
      if (fatal(error)) {
        throw error;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A load generator: a TypeScript module forked with IPC; messages in, one result out. */
export interface Worker<R> {
  child: ChildProcess;
  send(message: unknown): void;
  /** Resolves with the next message of `type`. */
  next<T = R>(type: string): Promise<T>;
  stop(): void;
}

export function forkWorker<R>(file: string, args: string[] = []): Worker<R> {
  const child = fork(resolve(root, "bench/load", file), args, {
    cwd: root,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.setMaxListeners(0);
  const waiting = new Map<string, Array<(value: unknown) => void>>();
  const queued = new Map<string, unknown[]>();
  child.on("message", (message: { type: string; [k: string]: unknown }) => {
    const resolvers = waiting.get(message.type);
    const resolver = resolvers?.shift();
    if (resolver) {
      resolver(message);
    } else {
      queued.set(message.type, [...(queued.get(message.type) ?? []), message]);
    }
  });
  return {
    child,
    send: (message) => child.send(message as never),
    next<T>(type: string) {
      const early = queued.get(type)?.shift();
      if (early !== undefined) {
        return Promise.resolve(early as T);
      }
      return new Promise<T>((done, fail) => {
        waiting.set(type, [...(waiting.get(type) ?? []), done as (value: unknown) => void]);
        child.once("exit", (code) =>
          fail(new Error(`${file} exited (${code}) before sending ${type}`)),
        );
      });
    },
    stop: () => {
      child.kill("SIGKILL");
    },
  };
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Resident memory of a process, bytes. */
export function rssBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return match ? Number(match[1]) * 1024 : 0;
}
