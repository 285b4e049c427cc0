/**
 * The live screen's DOM: the conference table, the event log, the connection status and the
 * badges (the participant list is conference-participants.ts). Each function draws one region
 * from data it is given and reports clicks through callbacks, so no region reads another's
 * state.
 * @module
 */
import type { ConferenceSummary } from "./api";
import { conferenceLabel } from "./conference-label";
import type { FeedStatus } from "./live-feed";

/** A conference row with the moment it was read, so its duration can keep counting locally. */
export interface ConferenceRow extends ConferenceSummary {
  running: boolean;
  fetchedAt: number;
}

/** Lines kept in the event log; older ones scroll away. */
const logLength = 200;
/** The table's columns, as its header names them (narrow screens show them beside values). */
const columns = ["Name", "Members", "Moderators", "Duration", "Lock"] as const;
/** The column of the conference table that shows the duration, ticked in place. */
const durationColumn = columns.indexOf("Duration");

/** A conference row was opened: by keyboard (focus follows it) or by pointer. */
export type ConferenceSelect = (id: string, how: "keyboard" | "pointer") => void;

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

/**
 * The conference table. Each conference is named by its label (name, number or short id, the
 * full id in a tooltip), so a conference known only from events never widens the table. Rows
 * are updated in place (a join anywhere re-reads the list; a redraw would drop the keyboard
 * focus), are focusable, and open with Enter or Space as well as a click.
 */
export function renderConferences(
  body: HTMLTableSectionElement,
  rows: Iterable<ConferenceRow>,
  selected: string | null,
  onSelect: ConferenceSelect,
): void {
  const now = Date.now();
  const existing = new Map([...body.rows].map((row) => [row.dataset.id ?? "", row]));
  const wanted = [...rows].map((c) => {
    const row = existing.get(c.id) ?? conferenceRow(c.id, onSelect);
    row.setAttribute("aria-selected", String(c.id === selected));
    const label = conferenceLabel(c);
    const texts = [
      label.text,
      String(c.members),
      String(c.admins),
      formatDuration(secondsOf(c, now)),
      c.is_locked ? "locked" : "open",
    ];
    texts.forEach((text, i) => {
      const td = row.cells[i];
      if (td && td.textContent !== text) {
        td.textContent = text;
      }
    });
    if (row.cells[0]) {
      row.cells[0].title = label.title;
    }
    return row;
  });
  if (wanted.length !== body.rows.length || wanted.some((row, i) => body.rows[i] !== row)) {
    const focused = document.activeElement;
    body.replaceChildren(...wanted);
    if (focused instanceof HTMLElement && body.contains(focused)) {
      focused.focus();
    }
  }
}

/** An empty row for conference `id`: its cells, and Enter, Space or a click open it. */
function conferenceRow(id: string, onSelect: ConferenceSelect): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.tabIndex = 0;
  row.dataset.id = id;
  row.append(...columns.map((column) => cell(column, "")));
  row.cells[0]?.classList.add("conference-name");
  row.addEventListener("click", () => onSelect(id, "pointer"));
  row.addEventListener("keydown", (event) => {
    if (event.target === row && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      onSelect(id, "keyboard");
    }
  });
  return row;
}

/** A cell with its column's name in `data-label`, which narrow screens show beside the value. */
function cell(column: string, text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.dataset.label = column;
  td.textContent = text;
  return td;
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

/** The badges the console shows; each one's text is also its style class. */
export type BadgeText =
  | "moderator"
  | "muted"
  | "deaf"
  | "live"
  | "locked"
  | "unlocked"
  | "not running";

/** A state badge (`badge muted`, `badge not-running`): short text, coloured by its class. */
export function badge(text: BadgeText): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = `badge ${text.replaceAll(" ", "-")}`;
  el.textContent = text;
  return el;
}

/**
 * Appends a line to the event log with the time it was seen, keeps the last {@link logLength}
 * and scrolls to the newest.
 */
export function appendLog(list: HTMLElement, line: string): void {
  const item = document.createElement("li");
  const now = new Date();
  const time = document.createElement("time");
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  const text = document.createElement("span");
  text.className = "what";
  text.textContent = line;
  item.append(time, " ", text);
  list.append(item);
  while (list.children.length > logLength) {
    list.firstElementChild?.remove();
  }
  list.scrollTop = list.scrollHeight;
}
