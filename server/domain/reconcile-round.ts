/**
 * One reconciliation round, step by step: ask the media servers about the conferences in scope
 * (and then about the ones they run that parley did not know), judge each conference from the
 * answers, plan the repairs (leaving alone whatever changed while the answers were awaited),
 * feed them through the ingest, and report what changed.
 * @module
 */
import type { SearchReply } from "../../protocol/discovery";
import type { SearchOutcome, SearchQuery, SearchResult } from "./media-search";
import type { ReconcileReport, ReconcilerDeps, ReconcileScope } from "./reconcile";
import { feedSynthesized, type SynthesizedMessage } from "./reconcile-feed";
import {
  emptyTouched,
  type PlannedEvent,
  planConference,
  type Skipped,
  type Touched,
  touch,
} from "./reconcile-plan";
import { verdictOf } from "./reconcile-verdict";

/** What a round needs: the reconciler's collaborators, and whether the reconciler closed. */
export interface RoundDeps extends Omit<ReconcilerDeps, "newRoundId"> {
  isClosed(): boolean;
}

/** Conferences by id, with the account each belongs to. */
type Conferences = Map<string, string>;

/** Runs round `roundId`; a round the reconciler closed during reports nothing. */
export async function runRound(
  deps: RoundDeps,
  roundId: string,
  scope: ReconcileScope,
  trigger: string,
): Promise<ReconcileReport> {
  const touched = emptyTouched();
  const stopWatching = deps.ingest.onCommitted((events) => {
    for (const event of events) {
      if (event.category === "conference") {
        touch(touched, event);
      }
    }
  });
  const skipped: Skipped[] = [];
  let asked: Awaited<ReturnType<typeof ask>>;
  let planned: PlannedEvent[];
  try {
    asked = await ask(deps, roundId, scope);
    if (!asked) {
      return { reconcile_id: roundId, trigger, answers: 0, changed: [], skipped: [] };
    }
    planned = plan(deps, asked, touched, skipped);
  } finally {
    stopWatching();
  }
  const messages = deps.synthesize(roundId, planned);
  const seqs = await feedSynthesized(deps.ingest, messages, skipped);
  const report = reportOf(roundId, trigger, answerCount(asked.outcome), messages, seqs, skipped);
  logRound(deps, report);
  return report;
}

/** Running conferences in scope, with their account. */
function liveInScope(deps: RoundDeps, scope: ReconcileScope): Conferences {
  const out: Conferences = new Map();
  const accounts =
    scope.kind === "all" ? deps.accountIds() : scope.kind === "account" ? [scope.accountId] : [];
  for (const accountId of accounts) {
    for (const runtime of deps.live.runningForAccount(accountId)) {
      out.set(runtime.conferenceId, accountId);
    }
  }
  if (scope.kind === "conference") {
    out.set(scope.conferenceId, scope.accountId);
  }
  return out;
}

/**
 * Asks about every account and running conference in scope, then about the conferences the
 * accounts' answers name that parley does not run; undefined when the reconciler closed.
 */
async function ask(deps: RoundDeps, roundId: string, scope: ReconcileScope) {
  let counter = 0;
  const msgId = () => {
    counter += 1;
    return `${roundId}-${counter}`;
  };
  const conferenceQuery = (conferenceId: string): SearchQuery => ({ msgId: msgId(), conferenceId });
  const running = liveInScope(deps, scope);
  const accountIds =
    scope.kind === "all" ? deps.accountIds() : scope.kind === "account" ? [scope.accountId] : [];
  const accountQueries = accountIds.map((accountId) => ({ msgId: msgId(), accountId }));
  const first = await deps.search.search(
    [...accountQueries, ...[...running.keys()].map(conferenceQuery)],
    deps.timeoutMs,
  );
  const discovered = discoveredIn(deps, first.results, running);
  const second =
    discovered.size > 0 && !deps.isClosed()
      ? await deps.search.search([...discovered.keys()].map(conferenceQuery), deps.timeoutMs)
      : { results: [], strays: 0, interrupted: false };
  if (deps.isClosed()) {
    return undefined;
  }
  const outcome: SearchOutcome = {
    results: [...first.results, ...second.results],
    strays: first.strays + second.strays,
    interrupted: first.interrupted || second.interrupted,
  };
  return { running, discovered, outcome };
}

/** Conferences the media servers run for an account and parley does not: ask about each. */
function discoveredIn(deps: RoundDeps, results: SearchResult[], running: Conferences) {
  const discovered: Conferences = new Map();
  for (const result of results) {
    if (!("accountId" in result.query)) {
      continue;
    }
    const { accountId } = result.query;
    for (const conferenceId of result.replies.flatMap(conferencesNamed)) {
      const owner = deps.ownerOf(conferenceId);
      if (!running.has(conferenceId) && (owner ?? accountId) === accountId) {
        discovered.set(conferenceId, accountId);
      }
    }
  }
  return discovered;
}

function conferencesNamed(reply: SearchReply): string[] {
  return reply.kind === "account" ? Object.keys(reply.value.conferences) : [];
}

/** The repairs each conference needs, judged from the answers. */
function plan(
  deps: RoundDeps,
  asked: { running: Conferences; discovered: Conferences; outcome: SearchOutcome },
  touched: Touched,
  skipped: Skipped[],
): PlannedEvent[] {
  const { outcome } = asked;
  if (outcome.results.some((result) => result.replies.length + result.unreadable > 0)) {
    deps.markAnswersKnown();
  }
  const silenceCounts = deps.answersKnown();
  const byConference = new Map(
    outcome.results.flatMap((result) =>
      "conferenceId" in result.query ? [[result.query.conferenceId, result] as const] : [],
    ),
  );
  const planned: PlannedEvent[] = [];
  for (const [conferenceId, accountId] of [...asked.running, ...asked.discovered]) {
    const runtime = deps.live.runtimeNow(conferenceId);
    if (runtime && runtime.accountId !== accountId) {
      continue;
    }
    const verdict = verdictOf(byConference.get(conferenceId), outcome, silenceCounts);
    const participants = runtime ? deps.live.participants(conferenceId) : [];
    const conference = { conferenceId, accountId, runtime, participants };
    planned.push(...planConference(conference, verdict, touched, skipped));
  }
  return planned;
}

function answerCount(outcome: SearchOutcome): number {
  return outcome.results.reduce((n, result) => n + result.replies.length, 0);
}

/** The API's answer: each repair that committed, with its `seq`, and each one skipped. */
function reportOf(
  roundId: string,
  trigger: string,
  answers: number,
  messages: SynthesizedMessage[],
  seqs: Map<string, number>,
  skipped: Skipped[],
): ReconcileReport {
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
  return {
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
}

function logRound(deps: RoundDeps, report: ReconcileReport): void {
  const { reconcile_id, trigger, answers, changed } = report;
  const line = `reconciled with the media servers (${trigger}): ${changed.length} event(s) synthesized`;
  if (changed.length > 0) {
    deps.logger.info({ reconcile_id, changed: changed.length, answers }, line);
  } else {
    deps.logger.debug({ reconcile_id, answers, skipped: report.skipped.length }, line);
  }
}
