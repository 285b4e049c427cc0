/**
 * What the history screen shows, worked out from what the API answers: the time axis of a
 * session, each stay's span, the talking spans replayed from the session's events, the wording of
 * end and leave reasons, and times as an operator reads them. Pure functions, no DOM.
 * @module
 */
import { flagsForcedBy } from "../../protocol/event-tables";
import type { leaveReasons, SessionEvent, sessionEndReasons } from "../../protocol/sessions";
import type { SessionDetail } from "./api";

/** A span of time in Unix milliseconds. */
export interface Span {
  from: number;
  to: number;
}

/** The stay of a participant as the API gives it. */
type Stay = SessionDetail["participants"][number]["joins"][number];

/** Why a session ended, as a sentence fragment; a missing reason is a compile error. */
const endReasonText: Record<(typeof sessionEndReasons)[number], string> = {
  last_member_left: "last member left",
  host_ended: "ended by the host",
  destroyed: "conference destroyed",
};

/** How a participant left; `kicked` is parley's own kick, the other one the media server's. */
const leaveReasonText: Record<(typeof leaveReasons)[number], string> = {
  hung_up: "hung up",
  kicked: "kicked",
  kicked_on_media_server: "kicked by the media server",
  conference_destroyed: "conference ended",
};

/** How a session ended, in words; `null` means it has not: it is live. */
export function endReasonLabel(reason: SessionDetail["end_reason"]): string {
  return reason === null ? "live" : endReasonText[reason];
}

/** How they left; `null` means they have not (yet): the session is live and they are in it. */
export function leaveReasonLabel(reason: keyof typeof leaveReasonText | null): string {
  return reason === null ? "still in" : leaveReasonText[reason];
}

/**
 * The span the timeline draws: start to end, or to the server's "now" for a live session. The
 * server's clock, not the browser's, so a live session's open bars end where its figures do.
 */
export function sessionSpan(session: SessionDetail): Span {
  const from = Date.parse(session.started_at);
  const end =
    session.ended_at === null ? from + session.duration * 1000 : Date.parse(session.ended_at);
  const stayEnds = session.participants.flatMap((p) => p.joins.map((s) => staySpan(s).to));
  return { from, to: Math.max(end, from + 1000, ...stayEnds) };
}

/** A stay from join to leave; a stay still open ends at the moment the API measured it. */
export function staySpan(stay: Stay): Span {
  const from = Date.parse(stay.joined_at);
  return {
    from,
    to: stay.left_at === null ? from + stay.duration * 1000 : Date.parse(stay.left_at),
  };
}

/**
 * Who talked when, by call id, replayed from the session's events: a start opens a span, a stop
 * or the call's leave closes it, and one still open at the end runs to `end`.
 */
export function talkingSpans(events: Iterable<SessionEvent>, end: number): Map<string, Span[]> {
  const spans = new Map<string, Span[]>();
  const open = new Map<string, number>();
  const close = (callId: string, at: number) => {
    const from = open.get(callId);
    if (from !== undefined) {
      open.delete(callId);
      spans.set(callId, [...(spans.get(callId) ?? []), { from, to: at }]);
    }
  };
  for (const event of events) {
    if (event.call_id === null) {
      continue;
    }
    const at = Date.parse(event.received_at);
    const talking = flagsForcedBy[event.event]?.talking;
    if (talking === true && !open.has(event.call_id)) {
      open.set(event.call_id, at);
    } else if (talking === false || event.event === "del-member") {
      close(event.call_id, at);
    }
  }
  for (const callId of [...open.keys()]) {
    close(callId, end);
  }
  return spans;
}

/** Only the events the timeline draws, so a long session's log is not all kept in memory. */
export function drawsOnTimeline(event: SessionEvent): boolean {
  return flagsForcedBy[event.event]?.talking !== undefined || event.event === "del-member";
}

/** Tick steps the axis may use, in seconds: round clock values at every zoom. */
const tickSteps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200];
/** At most this many ticks, so their labels fit side by side on a phone. */
const maxTicks = 5;

/** Round clock times inside the span, a handful at most, for the axis labels. */
export function axisTicks(span: Span): number[] {
  const seconds = (span.to - span.from) / 1000;
  const step =
    (tickSteps.find((s) => seconds / s <= maxTicks) ?? Math.ceil(seconds / maxTicks)) * 1000;
  const ticks: number[] = [];
  for (let t = Math.ceil(span.from / step) * step; t <= span.to; t += step) {
    ticks.push(t);
  }
  return ticks;
}

/** Where `at` falls on the span, as a percentage for a CSS `left` or `width`. */
export function percentOf(span: Span, at: number): number {
  const width = span.to - span.from;
  return width > 0 ? Math.min(100, Math.max(0, ((at - span.from) / width) * 100)) : 0;
}

/** A date and time in the operator's locale and time zone, to the second. */
export function formatWhen(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** A clock time in the operator's locale: seconds only where the axis needs them. */
export function formatClock(at: number, seconds = true): string {
  return new Date(at).toLocaleTimeString(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
}
