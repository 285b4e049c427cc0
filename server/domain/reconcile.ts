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
import type { MediaSearch, SearchOutcome, SearchQuery } from "./media-search";
import { feedSynthesized, type Synthesize } from "./reconcile-feed";
import {
  emptyTouched,
  type PlannedEvent,
  planConference,
  type Skipped,
  touch,
} from "./reconcile-plan";
import { verdictOf } from "./reconcile-verdict";

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
  const { search, ingest, live, logger } = deps;
  const newRoundId = deps.newRoundId ?? (() => randomBytes(12).toString("hex"));
  let chain: Promise<unknown> = Promise.resolve();
  let waitingAll: Promise<ReconcileReport> | undefined;
  let closed = false;

  /** Running conferences in scope, with their account. */
  const liveInScope = (scope: ReconcileScope): Map<string, string> => {
    const out = new Map<string, string>();
    const accounts =
      scope.kind === "all" ? deps.accountIds() : scope.kind === "account" ? [scope.accountId] : [];
    for (const accountId of accounts) {
      for (const runtime of live.runningForAccount(accountId)) {
        out.set(runtime.conferenceId, accountId);
      }
    }
    if (scope.kind === "conference") {
      out.set(scope.conferenceId, scope.accountId);
    }
    return out;
  };

  const round = async (scope: ReconcileScope, trigger: string): Promise<ReconcileReport> => {
    const roundId = newRoundId();
    let counter = 0;
    const msgId = () => {
      counter += 1;
      return `${roundId}-${counter}`;
    };
    const touched = emptyTouched();
    const stopWatching = ingest.onCommitted((events) => {
      for (const event of events) {
        if (event.category === "conference") {
          touch(touched, event);
        }
      }
    });
    const planned: PlannedEvent[] = [];
    const skipped: Skipped[] = [];
    let answers = 0;
    try {
      const running = liveInScope(scope);
      const accountQueries: SearchQuery[] =
        scope.kind === "all"
          ? deps.accountIds().map((accountId) => ({ msgId: msgId(), accountId }))
          : scope.kind === "account"
            ? [{ msgId: msgId(), accountId: scope.accountId }]
            : [];
      const conferenceQuery = (conferenceId: string): SearchQuery => ({
        msgId: msgId(),
        conferenceId,
      });
      const first = await search.search(
        [...accountQueries, ...[...running.keys()].map(conferenceQuery)],
        deps.timeoutMs,
      );
      // Conferences the media servers run and parley does not know: ask about each.
      const discovered = new Map<string, string>();
      for (const result of first.results) {
        if (!("accountId" in result.query)) {
          continue;
        }
        for (const reply of result.replies) {
          for (const conferenceId of reply.kind === "account"
            ? Object.keys(reply.value.conferences)
            : []) {
            const owner = deps.ownerOf(conferenceId);
            if (
              !running.has(conferenceId) &&
              (owner ?? result.query.accountId) === result.query.accountId
            ) {
              discovered.set(conferenceId, result.query.accountId);
            }
          }
        }
      }
      const second =
        discovered.size > 0 && !closed
          ? await search.search([...discovered.keys()].map(conferenceQuery), deps.timeoutMs)
          : { results: [], strays: 0, interrupted: false };
      if (closed) {
        return { reconcile_id: roundId, trigger, answers: 0, changed: [], skipped: [] };
      }
      const outcome: SearchOutcome = {
        results: [...first.results, ...second.results],
        strays: first.strays + second.strays,
        interrupted: first.interrupted || second.interrupted,
      };
      answers = outcome.results.reduce((n, result) => n + result.replies.length, 0);
      if (outcome.results.some((result) => result.replies.length + result.unreadable > 0)) {
        deps.markAnswersKnown();
      }
      const silenceCounts = deps.answersKnown();
      const byConference = new Map(
        outcome.results.flatMap((result) =>
          "conferenceId" in result.query ? [[result.query.conferenceId, result] as const] : [],
        ),
      );
      for (const [conferenceId, accountId] of [...running, ...discovered]) {
        const runtime = live.runtimeNow(conferenceId);
        if (runtime && runtime.accountId !== accountId) {
          continue;
        }
        const verdict = verdictOf(byConference.get(conferenceId), outcome, silenceCounts);
        const conference = {
          conferenceId,
          accountId,
          runtime,
          participants: runtime ? live.participants(conferenceId) : [],
        };
        planned.push(...planConference(conference, verdict, touched, skipped));
      }
    } finally {
      stopWatching();
    }
    const messages = deps.synthesize(roundId, planned);
    const seqs = await feedSynthesized(ingest, messages, skipped);
    const changed: ReconcileReport["changed"] = [];
    for (const message of messages) {
      const seq = seqs.get(message.msgId);
      if (seq !== undefined) {
        const { member } = message.planned;
        changed.push({
          seq,
          event: message.planned.event,
          conference_id: message.planned.conferenceId,
          ...(member ? { call_id: member.callId, participant_id: member.participantId } : {}),
        });
      }
    }
    const report: ReconcileReport = {
      reconcile_id: roundId,
      trigger,
      answers,
      changed,
      skipped: skipped.map((s) => ({
        conference_id: s.conferenceId,
        ...(s.callId === undefined ? {} : { call_id: s.callId }),
        reason: s.reason,
      })),
    };
    const line = `reconciled with the media servers (${trigger}): ${changed.length} event(s) synthesized`;
    if (changed.length > 0) {
      logger.info({ reconcile_id: roundId, changed: changed.length, answers }, line);
    } else {
      logger.debug({ reconcile_id: roundId, answers, skipped: report.skipped.length }, line);
    }
    return report;
  };

  return {
    run(scope, trigger) {
      if (closed) {
        return Promise.reject(
          new DomainError("service_unavailable", { message: "parley is shutting down" }),
        );
      }
      if (scope.kind === "all" && waitingAll) {
        return waitingAll;
      }
      const next = chain.then(() => {
        if (scope.kind === "all") {
          waitingAll = undefined;
        }
        if (closed) {
          throw new DomainError("service_unavailable", { message: "parley is shutting down" });
        }
        return round(scope, trigger);
      });
      if (scope.kind === "all") {
        waitingAll = next;
      }
      chain = next.catch(() => {});
      return next;
    },
    async close() {
      closed = true;
      await search.close();
      // The chain settles once the round in progress has.
      await chain;
    },
  };
}
