/**
 * What the media servers' answers say about one conference: running (and how), absent, or
 * unknown. Silence is absence only when it means something: media servers are known to answer,
 * no answer was unreadable, and the broker stayed up while they were asked.
 * @module
 */
import type { ConferenceSearchResp } from "../../protocol/discovery";
import type { SearchOutcome, SearchResult } from "./media-search";
import type { Verdict } from "./reconcile-plan";

/** Kazoo's rule for several answers: the one with the greatest `Run-Time` wins. */
export function verdictOf(
  result: SearchResult | undefined,
  outcome: SearchOutcome,
  silenceCounts: boolean,
): Verdict {
  const conferenceId = result && "conferenceId" in result.query ? result.query.conferenceId : "";
  const positive = (result?.replies ?? [])
    .flatMap((reply) => (reply.kind === "conference" ? [reply.value] : []))
    .filter((value) => value.conference_id === conferenceId)
    .sort((a, b) => (b.run_time ?? 0) - (a.run_time ?? 0));
  const best: ConferenceSearchResp | undefined = positive[0];
  if (best) {
    return {
      kind: "running",
      uuid: best.uuid,
      locked: best.locked,
      startTime: best.start_time,
      participants: best.participants,
    };
  }
  if (!result || result.unreadable > 0) {
    return { kind: "unknown", reason: "an answer about it could not be read" };
  }
  if (result.replies.some((reply) => reply.kind === "not_found")) {
    return { kind: "absent" };
  }
  if (outcome.interrupted) {
    return { kind: "unknown", reason: "the broker connection dropped while asking" };
  }
  if (outcome.strays > 0) {
    return { kind: "unknown", reason: "unreadable answers arrived while asking" };
  }
  return silenceCounts
    ? { kind: "absent" }
    : { kind: "unknown", reason: "no media server answered, and none is known to answer" };
}
