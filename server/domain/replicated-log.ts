/**
 * The replicated log: the one ordered history every parley node applies. With RabbitMQ it is a
 * stream (`<AMQP_QUEUE>.log`), so every node of a cluster reads the same entries in the same
 * order; with the embedded bus it is in-process, applied as it is appended. A node's state is
 * what its applier made of the log up to its stored position, so two nodes at the same position
 * hold the same state.
 * @module
 */
import type { DecodedEvent, DecodedSideEvent } from "./inbound-event";

/** An inbound event the ingest accepted: decoded, and when it arrived (the time it applies at). */
export interface EventEntry {
  kind: "event";
  /** Unique per entry: the node that appended it waits for its outcome by this id. */
  id: string;
  /** Unix ms when it arrived: every node applies it at this time, not its own clock's. */
  at: number;
  event: { kind: "conference"; value: DecodedEvent } | { kind: "side"; value: DecodedSideEvent };
}

/**
 * A change asked for through the API (or by parley itself): the operation and its arguments,
 * applied by every node's applier with the entry's time and randomness, so every node makes
 * the same change; the node that appended it answers with what its own applier returned.
 */
export interface WriteEntry {
  kind: "write";
  id: string;
  at: number;
  /** The operation (`conference.create`, …): a key of `WriteOps`. */
  op: string;
  args: unknown;
}

/** What a log entry carries. */
export type LogBody = EventEntry | WriteEntry;

/** An entry as read back: its body and its position in the log. */
export interface LogEntry {
  /**
   * Position in the log, never decreasing (the entries of one append share theirs and are
   * applied together); the applier stores the last one it applied.
   */
  position: number;
  body: LogBody;
}

/**
 * Applies a batch of entries in order; resolves once they are committed with their position.
 * A rejection means the store could not take them: the log hands the same entries again later.
 */
export type LogFollower = (entries: LogEntry[]) => void | Promise<void>;

export interface ReplicatedLog {
  /** `stream`: a RabbitMQ stream shared by the cluster; `in-process`: this process only. */
  readonly kind: "stream" | "in-process";
  /** Appends in order; resolves once every body is durable in the log. */
  append(bodies: LogBody[]): Promise<void>;
  /** Delivers every entry after `position` (all, when undefined) to `follower`, in order. */
  follow(position: number | undefined, follower: LogFollower): Promise<void>;
  close(): Promise<void>;
  /** Why this node cannot follow the log any more (entries it needs are gone), if so. */
  readonly broken?: Error | undefined;
  /** Calls `listener` once the log breaks that way. */
  onBroken?(listener: (error: Error) => void): void;
}
