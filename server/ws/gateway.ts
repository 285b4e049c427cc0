/**
 * The WebSocket gateway at `/ws` and `/` (ws, `noServer` + the HTTP server's upgrade event):
 * refuses upgrades it will not serve before they become sockets, runs a blackhole session per
 * socket, pushes what `fanout.ts` builds, pings, and drops sockets that stop reading instead of
 * letting them slow everyone else.
 * @module
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { ConferenceCommand } from "../../protocol/commands";
import { closeCodes } from "../../protocol/ws";
import type { Authenticator } from "../domain/auth";
import type { CommittedEvent } from "../domain/ingest";
import type { Logger } from "../logger";
import { pushCommands, pushEvents, REPLAY_LIMIT, replayTo } from "./fanout";
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
  /** Every event up to this `seq` was pruned by retention (0: none). */
  prunedThrough?(): number;
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

export function attachGateway(server: Server, options: GatewayOptions): Gateway {
  return new WsGateway(server, options);
}

/** One open socket: its session, and whether it answered the last ping. */
interface SocketState {
  session: Session;
  alive: boolean;
  address: string;
}

class WsGateway implements Gateway {
  readonly #server: Server;
  readonly #options: GatewayOptions;
  readonly #wss: WebSocketServer;
  readonly #index = new SubscriptionIndex<Session>();
  readonly #sockets = new Map<WebSocket, SocketState>();
  /** Open sockets per remote address, for the per-address limit. */
  readonly #perAddress = new Map<string, number>();
  readonly #sessionDeps: SessionDeps;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.#upgrade(request, socket, head);

  constructor(server: Server, options: GatewayOptions) {
    this.#server = server;
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? 64 * 1024,
      perMessageDeflate: false,
    });
    this.#sessionDeps = {
      auth: options.auth,
      index: this.#index,
      ownerOf: options.ownerOf,
      replay: (session, subscriptions, accountId, afterSeq) => {
        const logged = options.eventsAfter(accountId, afterSeq, REPLAY_LIMIT + 1);
        if (logged.length > REPLAY_LIMIT) {
          return false;
        }
        replayTo(session, subscriptions, logged);
        return true;
      },
      prunedThrough: () => options.prunedThrough?.() ?? 0,
      maxBindings: options.maxBindings ?? 1000,
      now: options.now,
    };
    server.on("upgrade", this.#onUpgrade);
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 30_000);
    this.#heartbeat.unref();
  }

  get connections(): number {
    return this.#sockets.size;
  }

  get subscriptions(): number {
    return this.#index.size;
  }

  publishEvents(events: CommittedEvent[]): void {
    const sent = pushEvents(this.#index, events);
    if (sent > 0) {
      this.#options.observe?.framesSent(sent);
    }
  }

  publishCommands(accountId: string, commands: ConferenceCommand[]): void {
    pushCommands(this.#index, accountId, commands);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#server.off("upgrade", this.#onUpgrade);
    for (const socket of this.#sockets.keys()) {
      socket.close(closeCodes.goingAway.code, closeCodes.goingAway.reason);
    }
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    for (const socket of this.#sockets.keys()) {
      socket.terminate();
    }
  }

  /** Refuses the upgrade with a status line, or accepts it (authenticated by `?token=`). */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? "/", "http://localhost");
    // Kazoo's blackhole listens at the root (Monster UI connects to `ws://host:5555`): both work.
    if (url.pathname !== "/ws" && url.pathname !== "/") {
      refuse(socket, "404 Not Found");
      return;
    }
    const address = request.socket.remoteAddress ?? "?";
    if ((this.#perAddress.get(address) ?? 0) >= (this.#options.maxConnectionsPerIp ?? 1000)) {
      refuse(socket, "429 Too Many Requests");
      return;
    }
    const token = url.searchParams.get("token") ?? undefined;
    const principal = token ? this.#options.auth.authenticate(token) : undefined;
    if (token && !principal) {
      refuse(socket, "401 Unauthorized");
      return;
    }
    socket.on("error", () => {});
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const session = this.#open(ws, request);
      if (principal && token) {
        session.adopt(principal, token);
      }
    });
  }

  /** Starts a session on an accepted socket and follows the socket's life. */
  #open(socket: WebSocket, request: IncomingMessage): Session {
    const { logger } = this.#options;
    const address = request.socket.remoteAddress ?? "?";
    const id = `${address}:${request.socket.remotePort ?? "?"}`;
    const session = createSession(id, (frame) => this.#send(socket, id, frame), this.#sessionDeps);
    const state: SocketState = { session, alive: true, address };
    this.#sockets.set(socket, state);
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
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
    socket.on("close", () => this.#closed(socket, state));
    return session;
  }

  /** Sends a frame, or drops the socket when it stopped reading (its backlog is too large). */
  #send(socket: WebSocket, id: string, frame: string): void {
    if (socket.readyState !== socket.OPEN) {
      return;
    }
    if (socket.bufferedAmount > (this.#options.maxBufferedBytes ?? 4 * 1024 * 1024)) {
      this.#options.logger.warn(
        { session: id, buffered: socket.bufferedAmount },
        "dropping slow WebSocket consumer",
      );
      this.#options.observe?.dropped("slow_consumer");
      socket.close(closeCodes.slowConsumer.code, closeCodes.slowConsumer.reason);
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  #closed(socket: WebSocket, state: SocketState): void {
    state.session.dispose();
    this.#sockets.delete(socket);
    const left = (this.#perAddress.get(state.address) ?? 1) - 1;
    if (left <= 0) {
      this.#perAddress.delete(state.address);
    } else {
      this.#perAddress.set(state.address, left);
    }
  }

  /** Terminates sockets that missed the last ping; pings the others. */
  #beat(): void {
    for (const [socket, state] of this.#sockets) {
      if (!state.alive) {
        socket.terminate();
        continue;
      }
      state.alive = false;
      socket.ping();
    }
  }
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
