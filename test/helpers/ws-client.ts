/**
 * A real `ws` client for tests: collects every frame and waits (by polling) for the ones a test
 * expects.
 */
import { onTestFinished, vi } from "vitest";
import { WebSocket } from "ws";
import type { ParleyServer } from "../../server/create-server";
import type { Json } from "./api";

export interface TestSocket {
  socket: WebSocket;
  frames: Json[];
  send(message: unknown): void;
  /** Sends a message and waits for the reply with its request_id. */
  request(message: Record<string, unknown>): Promise<Json>;
  /** Waits until `count` event frames matching `predicate` have arrived; returns them. */
  events(count: number, predicate?: (frame: Json) => boolean): Promise<Json[]>;
  closed: Promise<{ code: number; reason: string }>;
}

let counter = 0;

/** Connects to `path` (`/ws`, or `/` as Kazoo's blackhole URL has it) with `query`. */
export async function connectWs(
  server: ParleyServer,
  query = "",
  path = "/ws",
): Promise<TestSocket> {
  const socket = new WebSocket(`${server.url.replace("http", "ws")}${path}${query}`);
  const frames: Json[] = [];
  socket.on("message", (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  onTestFinished(() => socket.terminate());
  const send = (message: unknown) =>
    socket.send(typeof message === "string" ? message : JSON.stringify(message));
  return {
    socket,
    frames,
    send,
    closed,
    async request(message) {
      counter += 1;
      const requestId = (message.request_id as string | undefined) ?? `req-${counter}`;
      send({ ...message, request_id: requestId });
      return vi.waitFor(
        () => {
          const reply = frames.find((f) => f.action === "reply" && f.request_id === requestId);
          if (!reply) {
            throw new Error(`no reply to ${requestId} yet`);
          }
          return reply;
        },
        { timeout: 10_000, interval: 5 },
      );
    },
    async events(count, predicate = () => true) {
      return vi.waitFor(
        () => {
          const got = frames.filter((f) => f.action === "event" && predicate(f));
          if (got.length < count) {
            throw new Error(`have ${got.length} of ${count} events`);
          }
          return got;
        },
        { timeout: 10_000, interval: 5 },
      );
    },
  };
}
