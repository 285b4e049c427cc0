/**
 * The live screen's DOM: the conference table, the participant list, the event log and the
 * connection status. Each function redraws one region from data it is given and reports clicks
 * through callbacks, so no region reads another's state.
 * @module
 */
import type { ParticipantAction } from "../../protocol/actions";
import type { ConferenceSummary, Participant } from "./api";
import { button } from "./dom";
import type { FeedStatus } from "./live-feed";

/** A conference row with the moment it was read, so its duration can keep counting locally. */
export interface ConferenceRow extends ConferenceSummary {
  running: boolean;
  fetchedAt: number;
}

/** Lines kept in the event log; older ones scroll away. */
const logLength = 200;
/** The column of the conference table that shows the duration, ticked in place. */
const durationColumn = 3;

/** `m:ss`, as a call timer reads, and `h:mm:ss` from an hour on (the history's long sessions). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function secondsOf(row: ConferenceRow, now: number): number {
  return row.duration + (row.running ? (now - row.fetchedAt) / 1000 : 0);
}

/**
 * The status line at the top, with the node the feed is on (its name, once known, else its
 * address); `data-state` picks its colour.
 */
export function renderConnection(
  target: HTMLElement,
  status: FeedStatus,
  nodeName: (base: string) => string | undefined,
): void {
  const on =
    status.state === "offline"
      ? ""
      : ` · node ${nodeName(status.node) ?? new URL(status.node).host}`;
  const text =
    status.state === "offline" && status.retryInMs !== undefined
      ? `reconnecting${status.retryInMs > 0 ? ` in ${Math.round(status.retryInMs / 1000)} s` : ""}`
      : `${status.state}${on}`;
  target.textContent = text;
  target.dataset.state = status.state;
}

/** Rows are focusable and open with Enter or Space as well as a click. */
export function renderConferences(
  body: HTMLTableSectionElement,
  rows: Iterable<ConferenceRow>,
  selected: string | null,
  onSelect: (id: string) => void,
): void {
  const now = Date.now();
  body.replaceChildren(
    ...[...rows].map((c) => {
      const row = document.createElement("tr");
      row.tabIndex = 0;
      row.dataset.id = c.id;
      row.setAttribute("aria-selected", String(c.id === selected));
      const cells = [
        c.name ?? c.id,
        c.members,
        c.admins,
        formatDuration(secondsOf(c, now)),
        c.is_locked ? "locked" : "no",
      ];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = String(text);
        row.append(cell);
      }
      row.addEventListener("click", () => onSelect(c.id));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          onSelect(c.id);
        }
      });
      return row;
    }),
  );
}

/** Durations tick in place rather than by a redraw, so keyboard focus stays where it is. */
export function tickDurations(
  body: HTMLTableSectionElement,
  rows: ReadonlyMap<string, ConferenceRow>,
): void {
  const now = Date.now();
  for (const row of body.rows) {
    const c = rows.get(row.dataset.id ?? "");
    const cell = row.cells[durationColumn];
    if (c?.running && cell) {
      cell.textContent = formatDuration(secondsOf(c, now));
    }
  }
}

/** Each participant: talking light, name, state badges and the actions that make sense now. */
export function renderParticipants(
  list: HTMLElement,
  participants: Iterable<Participant>,
  onAction: (participantId: number, action: ParticipantAction) => void,
): void {
  list.replaceChildren(...[...participants].map((p) => participantItem(p, onAction)));
}

function participantItem(
  p: Participant,
  onAction: (participantId: number, action: ParticipantAction) => void,
): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.participant = String(p.participant_id);
  const name = p.caller_id_name || p.caller_id_number || p.call_id;
  const dot = document.createElement("span");
  dot.className = "talking";
  dot.dataset.on = String(Boolean(p.talking));
  dot.setAttribute("role", "img");
  dot.setAttribute("aria-label", p.talking ? `${name} is talking` : `${name} is silent`);
  const label = document.createElement("span");
  label.className = "name";
  label.textContent = name;
  const badges = [
    p.is_moderator ? badge("moderator") : undefined,
    p.speak ? undefined : badge("muted"),
    p.hear ? undefined : badge("deaf"),
  ].filter((b) => b !== undefined);
  const act = (action: ParticipantAction) => () => onAction(p.participant_id, action);
  const actions = document.createElement("span");
  actions.className = "actions";
  actions.append(
    p.speak
      ? button("Mute", `Mute ${name}`, act("mute"))
      : button("Unmute", `Unmute ${name}`, act("unmute")),
    p.hear
      ? button("Deafen", `Deafen ${name}`, act("deaf"))
      : button("Undeafen", `Undeafen ${name}`, act("undeaf")),
    button("Kick", `Kick ${name}`, act("kick")),
  );
  item.append(dot, label, ...badges, actions);
  return item;
}

/** A state badge; its text is also its style class (`badge muted`, `badge live`). */
export function badge(text: "moderator" | "muted" | "deaf" | "live"): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = `badge ${text}`;
  el.textContent = text;
  return el;
}

/** Appends a timestamped line, keeps the last {@link logLength} and scrolls to the newest. */
export function appendLog(list: HTMLElement, line: string): void {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  list.append(item);
  while (list.children.length > logLength) {
    list.firstElementChild?.remove();
  }
  list.scrollTop = list.scrollHeight;
}
