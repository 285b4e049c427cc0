/**
 * A session's timeline: one lane per participant on a shared time axis, a bar for each stay
 * (join to leave, open-ended while they are still in) and a mark for each time they talked.
 * Plain elements positioned in percent, so it fits any width without a canvas or a library.
 * @module
 */
import type { SessionDetail } from "./api";
import {
  axisTicks,
  formatClock,
  percentOf,
  type Span,
  sessionSpan,
  staySpan,
} from "./history-data";
import { badge, formatDuration } from "./render";

type SessionParticipant = SessionDetail["participants"][number];

/** Ticks this close to an edge (in percent) are aligned to it rather than centred on it. */
const edgePercent = 8;

/** The name a participant is shown by: caller name, else number, else the call id. */
export function participantName(p: SessionParticipant): string {
  return p.caller_id_name || p.caller_id_number || p.call_id;
}

/**
 * The timeline of `session`, with `talking` (by call id) drawn over the stays. Every bar has a
 * text alternative, so the picture reads as a list of spans to a screen reader.
 */
export function renderTimeline(
  session: SessionDetail,
  talking: ReadonlyMap<string, Span[]>,
): HTMLElement {
  const span = sessionSpan(session);
  const timeline = document.createElement("div");
  timeline.className = "timeline";
  const lanes = document.createElement("ol");
  lanes.className = "lanes";
  lanes.setAttribute("aria-label", "Participants over time");
  lanes.append(...session.participants.map((p) => lane(p, span, talking.get(p.call_id) ?? [])));
  timeline.append(axis(span), lanes, legend(session.live));
  return timeline;
}

/** The shared axis: round clock times above the lanes' tracks. */
function axis(span: Span): HTMLElement {
  const row = document.createElement("div");
  row.className = "lane axis-row";
  row.setAttribute("aria-hidden", "true");
  const track = document.createElement("div");
  track.className = "axis";
  const ticks = axisTicks(span);
  const withSeconds = ticks.some((t) => new Date(t).getSeconds() !== 0);
  for (const at of ticks) {
    const x = percentOf(span, at);
    const tick = document.createElement("span");
    tick.className = "tick";
    tick.style.left = `${x}%`;
    const shift = x < edgePercent ? "0" : x > 100 - edgePercent ? "-100%" : "-50%";
    tick.style.transform = `translateX(${shift})`;
    tick.textContent = formatClock(at, withSeconds);
    track.append(tick);
  }
  row.append(document.createElement("span"), track);
  return row;
}

function lane(p: SessionParticipant, span: Span, talks: Span[]): HTMLLIElement {
  const name = participantName(p);
  const item = document.createElement("li");
  item.className = "lane";
  item.dataset.callId = p.call_id;
  const who = document.createElement("div");
  who.className = "who";
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = name;
  who.append(label);
  if (p.caller_id_number && p.caller_id_number !== name) {
    const number = document.createElement("span");
    number.className = "number";
    number.textContent = p.caller_id_number;
    who.append(number);
  }
  if (p.is_moderator) {
    who.append(badge("moderator"));
  }
  const track = document.createElement("div");
  track.className = "track";
  for (const stay of p.joins) {
    const open = stay.left_at === null;
    const text = `${name} in ${describe(staySpan(stay))}${open ? ", still in" : ""}`;
    track.append(bar(open ? "stay open" : "stay", span, staySpan(stay), text));
  }
  for (const talk of talks) {
    track.append(bar("talk", span, talk, `${name} talking ${describe(talk)}`));
  }
  item.append(who, track);
  return item;
}

/** A bar from `of.from` to `of.to` on the axis, labelled for screen readers and on hover. */
function bar(className: string, span: Span, of: Span, text: string): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = className;
  const left = percentOf(span, of.from);
  // A bar too short to see gets the CSS `min-width`; one at the very end stays inside the track.
  el.style.left = `min(${left}%, calc(100% - 2px))`;
  el.style.width = `${percentOf(span, of.to) - left}%`;
  el.setAttribute("role", "img");
  el.setAttribute("aria-label", text);
  el.title = text;
  return el;
}

/** `09:00:10–09:02:00 (1:50)`. */
function describe(span: Span): string {
  const seconds = (span.to - span.from) / 1000;
  return `${formatClock(span.from)}–${formatClock(span.to)} (${formatDuration(seconds)})`;
}

/** What the colours mean; the open-ended swatch only for a live session. */
function legend(live: boolean): HTMLElement {
  const list = document.createElement("ul");
  list.className = "legend";
  const entries: Array<[string, string]> = [
    ["stay", "in the conference"],
    ["talk", "talking"],
  ];
  if (live) {
    entries.push(["stay open", "still in"]);
  }
  for (const [swatch, text] of entries) {
    const item = document.createElement("li");
    const mark = document.createElement("span");
    mark.className = `swatch ${swatch}`;
    mark.setAttribute("aria-hidden", "true");
    item.append(mark, text);
    list.append(item);
  }
  return list;
}
