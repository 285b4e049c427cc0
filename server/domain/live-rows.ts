/**
 * The live-state rows the event applier writes, behind named statements: a conference's run
 * (`conference_runtime`) and its participants. Rows are read as the store returns them; `runOf`
 * and `memberOf` turn them into what transitions carry.
 * @module
 */
import type { SqlStatement, SqlStore } from "./store";
import type { MemberInfo, RunInfo } from "./transitions";

export type Row = Record<string, unknown>;

export class LiveRows {
  readonly #runtime: SqlStatement;
  readonly #openRuntime: SqlStatement;
  readonly #setLocked: SqlStatement;
  readonly #markHostEnded: SqlStatement;
  readonly #closeRuntime: SqlStatement;
  readonly #members: SqlStatement;
  readonly #clearParticipants: SqlStatement;
  readonly #participant: SqlStatement;
  readonly #upsertParticipant: SqlStatement;
  readonly #removeParticipant: SqlStatement;
  readonly #countParticipants: SqlStatement;

  constructor(sqlite: SqlStore) {
    this.#runtime = sqlite.prepare("SELECT * FROM conference_runtime WHERE conference_id = ?");
    this.#openRuntime = sqlite.prepare(
      `INSERT INTO conference_runtime (conference_id, account_id, instance_id, switch_hostname, started_at, locked, updated_at)
       VALUES (@conference_id, @account_id, @instance_id, @switch_hostname, @started_at, 0, @now)
       ON CONFLICT (conference_id) DO UPDATE SET
         instance_id = coalesce(excluded.instance_id, instance_id),
         switch_hostname = coalesce(excluded.switch_hostname, switch_hostname),
         updated_at = excluded.updated_at`,
    );
    this.#setLocked = sqlite.prepare(
      "UPDATE conference_runtime SET locked = ?, updated_at = ? WHERE conference_id = ?",
    );
    this.#markHostEnded = sqlite.prepare(
      "UPDATE conference_runtime SET host_ended_at = ? WHERE conference_id = ?",
    );
    this.#closeRuntime = sqlite.prepare("DELETE FROM conference_runtime WHERE conference_id = ?");
    this.#members = sqlite.prepare(
      "SELECT * FROM participants WHERE conference_id = ? ORDER BY joined_at, participant_id",
    );
    this.#clearParticipants = sqlite.prepare("DELETE FROM participants WHERE conference_id = ?");
    this.#participant = sqlite.prepare(
      "SELECT * FROM participants WHERE conference_id = ? AND call_id = ?",
    );
    this.#upsertParticipant = sqlite.prepare(
      `INSERT INTO participants (conference_id, call_id, account_id, participant_id, instance_id, switch_hostname,
         caller_id_name, caller_id_number, is_moderator, floor, hear, speak, talking, mute_detect, video,
         energy_level, current_energy, joined_at, custom_channel_vars, conference_channel_vars, updated_at)
       VALUES (@conference_id, @call_id, @account_id, @participant_id, @instance_id, @switch_hostname,
         @caller_id_name, @caller_id_number, @is_moderator, @floor, @hear, @speak, @talking, @mute_detect, @video,
         @energy_level, @current_energy, @joined_at, @custom_channel_vars, @conference_channel_vars, @now)
       ON CONFLICT (conference_id, call_id) DO UPDATE SET
         participant_id = excluded.participant_id, instance_id = excluded.instance_id,
         switch_hostname = excluded.switch_hostname, caller_id_name = excluded.caller_id_name,
         caller_id_number = excluded.caller_id_number, is_moderator = excluded.is_moderator,
         floor = excluded.floor, hear = excluded.hear, speak = excluded.speak, talking = excluded.talking,
         mute_detect = excluded.mute_detect, video = excluded.video, energy_level = excluded.energy_level,
         current_energy = excluded.current_energy, custom_channel_vars = excluded.custom_channel_vars,
         conference_channel_vars = excluded.conference_channel_vars, updated_at = excluded.updated_at
       RETURNING *`,
    );
    this.#removeParticipant = sqlite.prepare(
      "DELETE FROM participants WHERE conference_id = ? AND call_id = ?",
    );
    this.#countParticipants = sqlite.prepare(
      "SELECT count(*) AS n FROM participants WHERE conference_id = ?",
    );
  }

  runtime(conferenceId: string): Row | undefined {
    return this.#runtime.get(conferenceId) as Row | undefined;
  }

  /** Opens the run, or fills in what it did not know yet (instance, switch). */
  openRuntime(params: Row): void {
    this.#openRuntime.run(params);
  }

  setLocked(conferenceId: string, locked: boolean, now: number): void {
    this.#setLocked.run(locked ? 1 : 0, now, conferenceId);
  }

  markHostEnded(conferenceId: string, now: number): void {
    this.#markHostEnded.run(now, conferenceId);
  }

  closeRuntime(conferenceId: string): void {
    this.#closeRuntime.run(conferenceId);
  }

  /** The conference's participants, in join order. */
  members(conferenceId: string): Row[] {
    return this.#members.all(conferenceId) as Row[];
  }

  clearParticipants(conferenceId: string): void {
    this.#clearParticipants.run(conferenceId);
  }

  participant(conferenceId: string, callId: string): Row | undefined {
    return this.#participant.get(conferenceId, callId) as Row | undefined;
  }

  /** Writes a participant's row and returns it as stored (one statement, not a write and a read). */
  upsertParticipant(params: Row): Row {
    return this.#upsertParticipant.get(params) as Row;
  }

  removeParticipant(conferenceId: string, callId: string): void {
    this.#removeParticipant.run(conferenceId, callId);
  }

  countParticipants(conferenceId: string): number {
    return (this.#countParticipants.get(conferenceId) as { n: number }).n;
  }
}

export function runOf(row: Row): RunInfo {
  return {
    conferenceId: row.conference_id as string,
    accountId: row.account_id as string,
    instanceId: (row.instance_id as string | null) ?? null,
    startedAt: row.started_at as number,
  };
}

export function memberOf(row: Row): MemberInfo {
  return {
    callId: row.call_id as string,
    participantId: row.participant_id as number,
    callerIdName: (row.caller_id_name as string | null) ?? null,
    callerIdNumber: (row.caller_id_number as string | null) ?? null,
    isModerator: Boolean(row.is_moderator),
    joinedAt: row.joined_at as number,
    customChannelVars: parseJson(row.custom_channel_vars) as Record<string, unknown>,
    muted: !row.speak,
    deaf: !row.hear,
    talking: Boolean(row.talking),
  };
}

/** A JSON column's value; `{}` when absent or unreadable. */
export function parseJson(value: unknown): unknown {
  if (typeof value !== "string") {
    return {};
  }
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}
