/**
 * Reconciliation with the media servers. parley's live state is built from events only, so a
 * media server that crashed, or events lost while parley was down, leave ghosts behind. A round
 * asks the media servers what runs (Kazoo's `search_req`, per account and per conference, as
 * crossbar does), compares their answers with the live state, and repairs the difference by
 * feeding synthesized events through the ingest: the same log, dedup, WebSocket push and
 * webhooks as a real event, and one ordered path for every state change.
 *
 * Silence is evidence only once media servers are known to answer searches (any answer, ever,
 * persisted): otherwise a deployment whose media servers never answer would see every
 * conference ended each round. Rounds run one at a time.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { ReconcileReportBody } from "../../protocol/reconcile";
import type { Logger } from "../logger";
import { DomainError } from "./errors";
import type { Ingest } from "./ingest";
import type { LiveState } from "./live-state";
import type { MediaSearch } from "./media-search";
import type { Synthesize } from "./reconcile-feed";
import { type RoundDeps, runRound } from "./reconcile-round";

/** What a round looks at. */
export type ReconcileScope =
  | { kind: "all" }
  | { kind: "account"; accountId: string }
  | { kind: "conference"; accountId: string; conferenceId: string };

/** What a round changed (the API's answer). */
export type ReconcileReport = ReconcileReportBody;

export interface ReconcilerDeps {
  search: MediaSearch;
  ingest: Pick<Ingest, "handleBatch" | "onCommitted">;
  live: Pick<LiveState, "runtimeNow" | "participants" | "runningForAccount">;
  /** Every account id (the periodic round asks about each). */
  accountIds(): string[];
  /** The account a stored conference belongs to, if any. */
  ownerOf(conferenceId: string): string | undefined;
  /** Whether media servers ever answered a search (persisted), and recording that they did. */
  answersKnown(): boolean;
  markAnswersKnown(): void;
  logger: Logger;
  timeoutMs: number;
  /** Words the round's repairs as media-server messages (`server/amqp/reconcile-messages.ts`). */
  synthesize: Synthesize;
  newRoundId?: () => string;
}

export interface Reconciler {
  /** Runs a round after any in progress; an `all` round already waiting is shared. */
  run(scope: ReconcileScope, trigger: string): Promise<ReconcileReport>;
  /** Stops: a round in progress applies nothing more. */
  close(): Promise<void>;
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  return new SerialReconciler(deps);
}

/** Runs rounds one at a time, sharing a waiting `all` round among those who ask for one. */
class SerialReconciler implements Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #roundDeps: RoundDeps;
  readonly #newRoundId: () => string;
  #chain: Promise<unknown> = Promise.resolve();
  #waitingAll: Promise<ReconcileReport> | undefined;
  #closed = false;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#roundDeps = { ...deps, isClosed: () => this.#closed };
    this.#newRoundId = deps.newRoundId ?? (() => randomBytes(12).toString("hex"));
  }

  run(scope: ReconcileScope, trigger: string): Promise<ReconcileReport> {
    if (this.#closed) {
      return Promise.reject(shuttingDown());
    }
    if (scope.kind === "all" && this.#waitingAll) {
      return this.#waitingAll;
    }
    const next = this.#chain.then(() => {
      if (scope.kind === "all") {
        this.#waitingAll = undefined;
      }
      if (this.#closed) {
        throw shuttingDown();
      }
      return runRound(this.#roundDeps, this.#newRoundId(), scope, trigger);
    });
    if (scope.kind === "all") {
      this.#waitingAll = next;
    }
    this.#chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#deps.search.close();
    // The chain settles once the round in progress has.
    await this.#chain;
  }
}

function shuttingDown(): DomainError {
  return new DomainError("service_unavailable", { message: "parley is shutting down" });
}
