/**
 * Read side of the live conference state: what is running now, who is in it, and the Kazoo views
 * built from that (`_read_only`, participant objects). Written only by the event ingest.
 * @module
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { ConferenceReadOnly } from "../../protocol/conference";
import { conferenceRuntime, participants } from "../db/schema";
import { toGregorianSeconds } from "./ids";
import type { Db } from "./store";

export type RuntimeRow = typeof conferenceRuntime.$inferSelect;
export type ParticipantRow = typeof participants.$inferSelect;

/** Queries over the live state. */
export interface LiveState {
  runtime(conferenceId: string): RuntimeRow | undefined;
  participants(conferenceId: string): ParticipantRow[];
  /** A participant by its integer member id or by its call id. */
  participant(conferenceId: string, idOrCallId: string): ParticipantRow | undefined;
  /** Running conferences of an account. */
  runningForAccount(accountId: string): RuntimeRow[];
  /** Participants of every running conference of an account, grouped by conference. */
  participantsForAccount(accountId: string): Map<string, ParticipantRow[]>;
  /** Whether the conference runs, read from the store itself (safe inside the ingest's transaction). */
  isRunningNow(conferenceId: string): boolean;
  /** The live run, read from the store itself (safe inside the ingest's transaction). */
  runtimeNow(conferenceId: string): RuntimeRow | undefined;
  /** Forgets cached reads of these conferences (the ingest committed changes to them). */
  invalidate(conferenceIds: Iterable<string>): void;
}

export function createLiveState({ db }: { db: Db }): LiveState {
  // Every read here serves a hot HTTP route: prepared once, run with placeholders.
  const conferenceId = sql.placeholder("conferenceId");
  const runtimeQuery = db
    .select()
    .from(conferenceRuntime)
    .where(eq(conferenceRuntime.conferenceId, conferenceId))
    .prepare();
  const participantsQuery = db
    .select()
    .from(participants)
    .where(eq(participants.conferenceId, conferenceId))
    .orderBy(asc(participants.joinedAt), asc(participants.participantId))
    .prepare();
  const byCallQuery = db
    .select()
    .from(participants)
    .where(
      and(
        eq(participants.conferenceId, conferenceId),
        eq(participants.callId, sql.placeholder("callId")),
      ),
    )
    .prepare();
  const byMemberQuery = db
    .select()
    .from(participants)
    .where(
      and(
        eq(participants.conferenceId, conferenceId),
        eq(participants.participantId, sql.placeholder("member")),
      ),
    )
    .prepare();
  const runningQuery = db
    .select()
    .from(conferenceRuntime)
    .where(eq(conferenceRuntime.accountId, sql.placeholder("accountId")))
    .orderBy(asc(conferenceRuntime.startedAt))
    .prepare();
  const accountParticipantsQuery = db
    .select()
    .from(participants)
    .where(eq(participants.accountId, sql.placeholder("accountId")))
    .orderBy(asc(participants.joinedAt), asc(participants.participantId))
    .prepare();

  // Reads of a conference are cached until the ingest commits a change to it: dashboards poll
  // the same conferences far more often than their state changes.
  const MAX_CACHED = 10_000;
  const runtimeCache = new Map<string, RuntimeRow | null>();
  const participantsCache = new Map<string, ParticipantRow[]>();
  const remember = <T>(cache: Map<string, T>, key: string, value: T): T => {
    if (cache.size >= MAX_CACHED) {
      cache.clear();
    }
    cache.set(key, value);
    return value;
  };

  return {
    runtime(id) {
      const cached = runtimeCache.get(id);
      if (cached !== undefined) {
        return cached ?? undefined;
      }
      return (
        remember(runtimeCache, id, runtimeQuery.get({ conferenceId: id }) ?? null) ?? undefined
      );
    },
    participants(id) {
      return (
        participantsCache.get(id) ??
        remember(participantsCache, id, participantsQuery.all({ conferenceId: id }))
      );
    },
    isRunningNow(id) {
      return runtimeQuery.get({ conferenceId: id }) !== undefined;
    },
    runtimeNow(id) {
      return runtimeQuery.get({ conferenceId: id });
    },
    invalidate(conferenceIds) {
      for (const id of conferenceIds) {
        runtimeCache.delete(id);
        participantsCache.delete(id);
      }
    },
    participant(id, idOrCallId) {
      const byCall = byCallQuery.get({ conferenceId: id, callId: idOrCallId });
      if (byCall || !/^\d{1,15}$/.test(idOrCallId)) {
        return byCall;
      }
      return byMemberQuery.get({ conferenceId: id, member: Number(idOrCallId) });
    },
    runningForAccount(accountId) {
      return runningQuery.all({ accountId });
    },
    participantsForAccount(accountId) {
      const grouped = new Map<string, ParticipantRow[]>();
      for (const row of accountParticipantsQuery.all({ accountId })) {
        const list = grouped.get(row.conferenceId) ?? [];
        list.push(row);
        grouped.set(row.conferenceId, list);
      }
      return grouped;
    },
  };
}

/** `_read_only` counts for a conference: `admins` and `moderators` carry the same number. */
export function readOnlyOf(
  runtime: RuntimeRow | undefined,
  members: ParticipantRow[],
  now: number,
): ConferenceReadOnly {
  const moderators = members.filter((p) => p.isModerator).length;
  return {
    members: members.length - moderators,
    admins: moderators,
    moderators,
    duration: runtime ? Math.max(0, Math.floor((now - runtime.startedAt) / 1000)) : 0,
    is_locked: runtime?.locked ?? false,
  };
}

/**
 * A participant in both of Kazoo's shapes at once: the documented flat keys of seed 003 and the
 * code's nested `conference_channel_vars`, so clients of either version read it.
 */
export function participantView(row: ParticipantRow, now: number): Record<string, unknown> {
  return {
    call_id: row.callId,
    caller_id_name: row.callerIdName ?? "",
    caller_id_number: row.callerIdNumber ?? "",
    conference_name: row.conferenceId,
    conference_uuid: row.instanceId ?? "",
    switch_hostname: row.switchHostname ?? "",
    floor: row.floor,
    hear: row.hear,
    speak: row.speak,
    talking: row.talking,
    mute_detect: row.muteDetect,
    participant_id: row.participantId,
    energy_level: row.energyLevel,
    current_energy: row.currentEnergy,
    video: row.video,
    is_moderator: row.isModerator,
    join_time: toGregorianSeconds(row.joinedAt),
    duration: Math.max(0, Math.floor((now - row.joinedAt) / 1000)),
    custom_channel_vars: row.customChannelVars,
    custom_application_vars: {},
    conference_channel_vars: {
      ...row.conferenceChannelVars,
      is_moderator: row.isModerator,
      floor: row.floor,
      video: row.video,
      speak: row.speak,
      hear: row.hear,
      talking: row.talking,
      mute_detect: row.muteDetect,
      energy_level: row.energyLevel,
      current_energy: row.currentEnergy,
      member_id: row.participantId,
    },
  };
}
