/**
 * The dashboard's `/ws` connection: subscribe to every conference of the account, resume from the
 * last seen `seq` after a drop, and reconnect with a doubling delay (parley restarts, laptops
 * sleep). Given several nodes of a cluster, a drop moves on to the next node at once (every node
 * holds the same events with the same `seq`), and the delay doubles only once all of them failed.
 * The server never needs a keepalive from the client, so there is none.
 * @module
 */
import type { EventFrame, ReplyFrame } from "../../protocol/ws";
import type { Session } from "./session";

/** Where the feed stands, for the status line. */
export type FeedStatus =
  | { state: "connecting"; node: string }
  | { state: "live"; node: string }
  | { state: "offline"; retryInMs?: number };

/** The first reconnect delay and the cap of its doubling. */
const retry = { firstMs: 250, maxMs: 30_000 } as const;

/** Matches the reply to our own subscribe among replies to anything else. */
const requestId = "dashboard";

export interface LiveFeedOptions {
  /** The nodes' base URLs (`http://host:port`), this page's own first; tried in turn. */
  nodes: string[];
  /** The binding to subscribe; every conference of the account for the dashboard. */
  binding: string;
  session: Session;
  onStatus: (status: FeedStatus) => void;
  onEvent: (frame: EventFrame) => void;
  /** The subscription was refused, with the server's reasons. */
  onRefused: (errors: string[]) => void;
}

/** One subscription that outlives the sockets carrying it. */
export class LiveFeed {
  readonly #options: LiveFeedOptions;
  #socket: WebSocket | null = null;
  #retryMs: number = retry.firstMs;
  /** The node in use, and how many in a row failed since one was live. */
  #node = 0;
  #failedInRow = 0;
  #reconnect: ReturnType<typeof setTimeout> | undefined;

  constructor(options: LiveFeedOptions) {
    this.#options = options;
  }

  /** Opens the socket; events from `session.lastSeq` on arrive first. */
  start(): void {
    this.#connect();
  }

  /** Closes the socket and cancels any pending reconnect (sign-out). */
  stop(): void {
    clearTimeout(this.#reconnect);
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#options.onStatus({ state: "offline" });
  }

  #connect(): void {
    const { nodes, onStatus } = this.#options;
    const node = nodes[this.#node % nodes.length] ?? location.origin;
    onStatus({ state: "connecting", node });
    const socket = new WebSocket(`${node.replace(/^http/, "ws")}/ws`);
    this.#socket = socket;
    socket.addEventListener("open", () => socket.send(JSON.stringify(this.#subscribe())));
    socket.addEventListener("message", (message) => {
      if (typeof message.data === "string") {
        this.#receive(JSON.parse(message.data) as ReplyFrame | EventFrame, node);
      }
    });
    socket.addEventListener("close", () => {
      // A socket this feed already let go of (stopped, or replaced) does not reconnect.
      if (this.#socket !== socket || !this.#options.session.token) {
        return;
      }
      this.#node = (this.#node + 1) % nodes.length;
      this.#failedInRow += 1;
      // Another node not tried yet since the last live one: go there now.
      const delay = this.#failedInRow < nodes.length ? 0 : this.#retryMs;
      onStatus({ state: "offline", retryInMs: delay });
      this.#reconnect = setTimeout(() => this.#connect(), delay);
      if (delay > 0) {
        this.#retryMs = Math.min(this.#retryMs * 2, retry.maxMs);
      }
    });
  }

  #subscribe(): Record<string, unknown> {
    const { session, binding } = this.#options;
    const lastSeq = session.lastSeq;
    return {
      action: "subscribe",
      auth_token: session.token,
      request_id: requestId,
      data: {
        account_id: session.accountId,
        binding,
        ...(lastSeq > 0 ? { resume_from: lastSeq } : {}),
      },
    };
  }

  #receive(frame: ReplyFrame | EventFrame, node: string): void {
    if (frame.action === "event") {
      this.#options.session.advance(frame.seq ?? 0);
      this.#options.onEvent(frame);
    } else if (frame.request_id === requestId) {
      if (frame.status === "success") {
        this.#retryMs = retry.firstMs;
        this.#failedInRow = 0;
        this.#options.onStatus({ state: "live", node });
      } else {
        this.#options.onRefused(frame.data.errors ?? []);
      }
    }
  }
}
