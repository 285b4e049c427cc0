/**
 * The ingest: inbound messages appended to the replicated log, and the log applied to live state
 * and the event log in one transaction per batch, webhooks derived into the outbox, side events
 * (recordings, chat, livestreams, transcripts) stored. After each commit the live-state cache forgets what changed,
 * the dispatcher wakes and the metrics count; the WebSocket gateway joins later.
 * @module
 */
import { randomUUID } from "node:crypto";
import type { Store } from "../db/open";
import type { EntryWaiters } from "../domain/entry-waiters";
import { createIngest, type Ingest } from "../domain/ingest";
import { LogApplier } from "../domain/log-applier";
import type { Replay } from "../domain/replay";
import type { LogEntry, ReplicatedLog } from "../domain/replicated-log";
import { createSideEvents, type SideEvents } from "../domain/side-events";
import type { WriteOps } from "../domain/write-ops";
import type { Logger } from "../logger";
import { type Metrics, reasonKind } from "../metrics";
import { createMeetingObject } from "../webhooks/meeting-object";
import { sideEventFacts } from "../webhooks/side-payloads";
import type { DomainPart } from "./domain";
import type { OperationsPart } from "./operations";
import type { WebhooksPart } from "./webhooks";

export interface IngestPart {
  ingest: Ingest;
  sideEvents: SideEvents;
  /** Applies the replicated log to this node's store (the node's position lives with its state). */
  applier: LogApplier;
  /** Starts following the log from the applier's stored position. */
  follow(): Promise<void>;
}

export function assembleIngest(deps: {
  store: Store;
  logger: Logger;
  now: () => number;
  metrics: Metrics;
  domain: DomainPart;
  operations: OperationsPart;
  webhooks: WebhooksPart;
  log: ReplicatedLog & { positionKey: string };
  replay: Replay;
  /** The write operations log entries may name. */
  writes: WriteOps;
  waiters: EntryWaiters;
}): IngestPart {
  const { store, now, metrics, domain, operations } = deps;
  const { webhooks } = deps.webhooks;
  const present = {
    meeting: operations.meetingJson,
    meetingObject: createMeetingObject({ live: domain.live, context: deps.webhooks.context, now }),
  };
  const sideEvents = createSideEvents({
    sqlite: store.sqlite,
    signer: domain.signer,
    meetingByConference: (id) => operations.meetings.byConference(id),
    isRunning: (id) => domain.live.isRunningNow(id),
    lastEndedRun: (id) => domain.sessions.lastEnded(id),
    publish: (notices) => webhooks.publish(sideEventFacts(notices, present)),
  });
  const observe = {
    batch: (size: number, seconds: number) => {
      metrics.batchSize.observe(size);
      metrics.commitSeconds.observe(seconds);
    },
    refused: (reason: string) => metrics.deadLettered.inc({ reason: reasonKind(reason) }),
    lag: (seconds: number) => metrics.eventLagSeconds.observe(seconds),
    applied: (entries: LogEntry[], position: number) => {
      appliedPosition = position;
      const at = now();
      for (const entry of entries) {
        metrics.logApplyLagSeconds.observe(Math.max(0, at - entry.body.at) / 1000);
      }
    },
  };
  let appliedPosition = Number.NaN;
  metrics.gauge({
    name: "parley_log_position",
    help: "The last log position this node applied (compare across nodes for the lag in entries)",
    read: () => (Number.isNaN(appliedPosition) ? [] : appliedPosition),
  });
  const applier = new LogApplier({
    replay: deps.replay,
    writes: deps.writes,
    waiters: deps.waiters,
    positionKey: deps.log.positionKey,
    sqlite: store.sqlite,
    sessions: domain.sessions,
    logger: deps.logger,
    ownerOf: (id) => domain.conferences.ownerOf(id),
    accountExists: (id) => domain.accounts.get(id) !== undefined,
    onTransitions: (transitions, source) => {
      webhooks.onTransitions(transitions, source);
      sideEvents.onTransitions(transitions);
    },
    onSideEvent: (event, accountId, source) => sideEvents.apply(event, accountId, source),
    observe,
  });
  const ingest = createIngest({
    log: deps.log,
    applier,
    waiters: deps.waiters,
    logger: deps.logger,
    now,
    newEntryId: () => randomUUID(),
    observe,
  });
  ingest.onCommitted((events) => {
    for (const event of events) {
      metrics.ingested(event.event);
    }
    domain.live.invalidate(events.map((event) => event.conferenceId));
    webhooks.dispatcher.wake();
  });
  return {
    ingest,
    sideEvents,
    applier,
    follow: () => deps.log.follow(applier.position, (entries) => applier.apply(entries)),
  };
}
