/**
 * The WebSocket gateway at `/ws` and `/` (ws, `noServer` + the HTTP server's upgrade event). Pushes each
 * committed event to the sessions bound to it, serialising the event's data once per event and
 * each frame once per binding string, and drops sockets that stop reading instead of letting
 * them slow everyone else.
 * @module
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { ConferenceCommand } from "../../protocol/commands";
import { commandRoutingKey } from "../../protocol/commands";
import { normalizeKeys } from "../../protocol/events";
import { closeCodes } from "../../protocol/ws";
import type { Authenticator } from "../domain/auth";
import type { CommittedEvent } from "../domain/ingest";
import type { Logger } from "../logger";
import { matches, type Subscription } from "./bindings";
import { createSession, type Session, type SessionDeps } from "./session";
import { SubscriptionIndex } from "./subscription-index";

/** An event read back from the log for a resuming client. */
export interface LoggedEvent extends CommittedEvent {}

export interface GatewayOptions {
  auth: Authenticator;
  logger: Logger;
  now: () => number;
  ownerOf(conferenceId: string): string | undefined;
  /** Logged events of an account after `seq`, in order, at most `limit`. */
  eventsAfter(accountId: string, afterSeq: number, limit: number): LoggedEvent[];
  /** Largest incoming frame, bytes. */
  maxPayload?: number;
  /** A socket whose unsent data passes this many bytes is dropped. */
  maxBufferedBytes?: number;
  maxBindings?: number;
  heartbeatMs?: number;
  /** Open sockets one address may hold; more are refused at the upgrade with 429. */
  maxConnectionsPerIp?: number;
  /** Told about frames pushed and sockets dropped (metrics). */
  observe?: { framesSent(count: number): void; dropped(reason: string): void };
}

export interface Gateway {
  /** Pushes committed events to their subscribers. */
  publishEvents(events: CommittedEvent[]): void;
  /** Pushes commands parley sent for an account to its `conference.command.{id}` subscribers. */
  publishCommands(accountId: string, commands: ConferenceCommand[]): void;
  /** Open sockets (metrics, tests). */
  readonly connections: number;
  /** Active bindings over all sockets (metrics). */
  readonly subscriptions: number;
  close(): Promise<void>;
}

const REPLAY_LIMIT = 10_000;

function frameFor(
  subscription: Subscription,
  name: string,
  routingKey: string,
  dataJson: string,
  seq: number | undefined,
): string {
  return `{"action":"event","subscribed_key":${JSON.stringify(subscription.binding)},"subscription_key":${JSON.stringify(subscription.subscriptionKey)},"name":${JSON.stringify(name)},"routing_key":${JSON.stringify(routingKey)},"data":${dataJson}${seq === undefined ? "" : `,"seq":${seq}`}}`;
}

export function attachGateway(server: Server, options: GatewayOptions): Gateway {
  const { auth, logger } = options;
  const maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 64 * 1024,
    perMessageDeflate: false,
  });
  const index = new SubscriptionIndex<Session>();
  const sockets = new Map<WebSocket, { session: Session; alive: boolean }>();
  const maxConnectionsPerIp = options.maxConnectionsPerIp ?? 1000;
  /** Open sockets per remote address, for the per-address limit. */
  const perAddress = new Map<string, number>();

  const replay: SessionDeps["replay"] = (session, subscriptions, accountId, afterSeq) => {
    const logged = options.eventsAfter(accountId, afterSeq, REPLAY_LIMIT + 1);
    if (logged.length > REPLAY_LIMIT) {
      return false;
    }
    for (const event of logged) {
      const dataJson = JSON.stringify(event.data);
      for (const subscription of subscriptions) {
        if (matches(subscription, event)) {
          session.send(
            frameFor(subscription, event.eventName, event.routingKey, dataJson, event.seq),
          );
        }
      }
    }
    return true;
  };

  const sessionDeps: SessionDeps = {
    auth,
    index,
    ownerOf: options.ownerOf,
    replay,
    maxBindings: options.maxBindings ?? 1000,
    now: options.now,
  };

  const open = (
    socket: WebSocket,
    request: IncomingMessage,
    adopted?: [ReturnType<Authenticator["authenticate"]>, string],
  ) => {
    const id = `${request.socket.remoteAddress ?? "?"}:${request.socket.remotePort ?? "?"}`;
    const session = createSession(
      id,
      (frame) => {
        if (socket.readyState !== socket.OPEN) {
          return;
        }
        if (socket.bufferedAmount > maxBufferedBytes) {
          logger.warn(
            { session: id, buffered: socket.bufferedAmount },
            "dropping slow WebSocket consumer",
          );
          options.observe?.dropped("slow_consumer");
          socket.close(closeCodes.slowConsumer.code, closeCodes.slowConsumer.reason);
          socket.terminate();
          return;
        }
        socket.send(frame);
      },
      sessionDeps,
    );
    if (adopted?.[0]) {
      session.adopt(adopted[0], adopted[1]);
    }
    const state = { session, alive: true };
    sockets.set(socket, state);
    const address = request.socket.remoteAddress ?? "?";
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.on("pong", () => {
      state.alive = true;
    });
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        socket.close(closeCodes.unsupportedData.code, closeCodes.unsupportedData.reason);
        return;
      }
      try {
        session.handle(data.toString());
      } catch (error) {
        logger.error({ err: error, session: id }, "WebSocket message handling failed");
      }
    });
    socket.on("error", (error) => logger.debug({ err: error, session: id }, "WebSocket error"));
    socket.on("close", () => {
      session.dispose();
      sockets.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) {
        perAddress.delete(address);
      } else {
        perAddress.set(address, left);
      }
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    // Kazoo's blackhole listens at the root (Monster UI connects to `ws://host:5555`): both work.
    if (url.pathname !== "/ws" && url.pathname !== "/") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const address = request.socket.remoteAddress ?? "?";
    if ((perAddress.get(address) ?? 0) >= maxConnectionsPerIp) {
      socket.end(
        "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      );
      return;
    }
    const token = url.searchParams.get("token") ?? undefined;
    const principal = token ? auth.authenticate(token) : undefined;
    if (token && !principal) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    socket.on("error", () => {});
    wss.handleUpgrade(request, socket, head, (ws) =>
      open(ws, request, principal && token ? [principal, token] : undefined),
    );
  };
  server.on("upgrade", onUpgrade);

  const heartbeat = setInterval(() => {
    for (const [socket, state] of sockets) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    publishEvents(events) {
      let sent = 0;
      for (const event of events) {
        if (event.category !== "conference") {
          continue;
        }
        let dataJson: string | undefined;
        const frames = new Map<string, string>();
        for (const entry of index.candidates(event.conferenceId, event.accountId)) {
          if (entry.accountId !== event.accountId || !matches(entry.subscription, event)) {
            continue;
          }
          let frame = frames.get(entry.subscription.binding);
          if (frame === undefined) {
            dataJson ??= JSON.stringify(event.data);
            frame = frameFor(
              entry.subscription,
              event.eventName,
              event.routingKey,
              dataJson,
              event.seq,
            );
            frames.set(entry.subscription.binding, frame);
          }
          entry.session.send(frame);
          sent += 1;
        }
      }
      if (sent > 0) {
        options.observe?.framesSent(sent);
      }
    },
    publishCommands(accountId, commands) {
      for (const command of commands) {
        const conferenceId = command["Conference-ID"];
        let dataJson: string | undefined;
        for (const entry of index.commandSubscribers(conferenceId)) {
          if (entry.accountId !== accountId) {
            continue;
          }
          dataJson ??= JSON.stringify(normalizeKeys(command));
          entry.session.send(
            frameFor(
              entry.subscription,
              "command",
              commandRoutingKey(conferenceId),
              dataJson,
              undefined,
            ),
          );
        }
      }
    },
    get connections() {
      return sockets.size;
    },
    get subscriptions() {
      return index.size;
    },
    async close() {
      clearInterval(heartbeat);
      server.off("upgrade", onUpgrade);
      for (const socket of sockets.keys()) {
        socket.close(closeCodes.goingAway.code, closeCodes.goingAway.reason);
      }
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const socket of sockets.keys()) {
        socket.terminate();
      }
    },
  };
}
