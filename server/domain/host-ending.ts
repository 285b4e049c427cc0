/**
 * Notes that the host is ending a meeting (an API kick-all), so that when its last member leaves
 * `meeting.ended` says `HOST_ENDED_MEETING`. A store write of its own, so the operator control
 * that learns of the kick does not need the ingest that later reads the mark.
 * @module
 */
import type { SqlStore } from "./store";

export type MarkHostEnding = (conferenceId: string) => void;

export function createHostEndingMark(sqlite: SqlStore, now: () => number): MarkHostEnding {
  const mark = sqlite.prepare(
    "UPDATE conference_runtime SET host_ended_at = ? WHERE conference_id = ?",
  );
  return (conferenceId) => {
    mark.run(now(), conferenceId);
  };
}
