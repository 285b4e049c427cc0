/**
 * Which run an event about a conference belongs to. Recordings upload, transcripts arrive and
 * chat trickles in after the last member left: such an event names the run that ended (read
 * from the session log, so it survives a restart), not a new one.
 * @module
 */
import type { EndedRun } from "./session-log";
import type { RunInfo } from "./transitions";

/** The live run (`endedAt: null`), else the one that ended last, with when it ended. */
export type RunRef = { endedAt: null } | { endedAt: number; run: RunInfo };

export interface RunMemory {
  /** Whether the conference runs now (read from the store: called inside the ingest). */
  isRunning(conferenceId: string): boolean;
  /** The conference's most recent ended run. */
  lastEndedRun(conferenceId: string): EndedRun | undefined;
}

/** The run an event about `conferenceId` names now. */
export function runNamedBy(memory: RunMemory, conferenceId: string): RunRef {
  if (memory.isRunning(conferenceId)) {
    return { endedAt: null };
  }
  const last = memory.lastEndedRun(conferenceId);
  return last ? { endedAt: last.endedAt, run: last.run } : { endedAt: null };
}
