/**
 * The history screen's DOM apart from the timeline: the breadcrumb trail, the list of sessions,
 * a session's summary and its participants' figures. Each function builds one region from the
 * API's data; tables carry their column names on every cell, so on a phone each row stacks into
 * a card (style.css) instead of scrolling sideways.
 * @module
 */
import type { SessionView } from "../../protocol/sessions";
import type { SessionDetail } from "./api";
import { stackTable } from "./dom";
import { endReasonLabel, formatWhen, leaveReasonLabel } from "./history-data";
import { participantName } from "./history-timeline";
import { badge, formatDuration } from "./render";
import { sessionHref } from "./routes";

/** One step of the breadcrumb trail; the step without `href` is the screen the operator is on. */
export interface TrailStep {
  label: string;
  href?: string;
}

/** A cell's content: text, or elements (a link, a badge). */
type Cell = string | Node | Node[];

/** Draws the trail into its `<ol>`, marking the current screen for assistive technology. */
export function renderTrail(list: HTMLElement, steps: TrailStep[]): void {
  list.replaceChildren(
    ...steps.map((step) => {
      const item = document.createElement("li");
      if (step.href === undefined) {
        const here = document.createElement("span");
        here.setAttribute("aria-current", "page");
        here.textContent = step.label;
        item.append(here);
      } else {
        const link = document.createElement("a");
        link.href = step.href;
        link.textContent = step.label;
        item.append(link);
      }
      return item;
    }),
  );
}

/**
 * The sessions, newest first; each start time links to the session. The conference column
 * appears only account-wide, where sessions of several conferences mix.
 */
export function renderSessionList(sessions: SessionView[], accountWide: boolean): HTMLElement {
  const headers = ["Started", ...(accountWide ? ["Conference"] : []), "Duration", "Ended"];
  const rows = sessions.map((s) => {
    const link = document.createElement("a");
    link.href = sessionHref(s.id);
    link.append(time(s.started_at));
    const conference = accountWide ? [s.conference_name ?? s.conference_id] : [];
    const ended = s.live ? badge("live") : endReasonLabel(s.end_reason);
    const cells: Cell[] = [link, ...conference, formatDuration(s.duration), ended];
    return {
      id: s.id,
      cells: [...cells, String(s.peak_participants), String(s.total_participants)],
    };
  });
  return table("Sessions", [...headers, "Peak", "Participants"], rows);
}

/** When, how long, how it ended and how many took part, as a definition list. */
export function renderSummary(session: SessionDetail): HTMLElement {
  const list = document.createElement("dl");
  list.className = "summary";
  const ending: Array<[string, Cell]> =
    session.ended_at === null
      ? [
          ["Ended", badge("live")],
          ["Participants now", String(session.participants_now)],
        ]
      : [
          ["Ended", time(session.ended_at)],
          ["End reason", endReasonLabel(session.end_reason)],
        ];
  const entries: Array<[string, Cell]> = [
    ["Started", time(session.started_at)],
    ...ending,
    ["Duration", formatDuration(session.duration)],
    ["Peak participants", String(session.peak_participants)],
    ["Participants", String(session.total_participants)],
  ];
  for (const [term, value] of entries) {
    // Each pair in its own <div> (valid in a <dl>), so the pairs wrap as cards.
    const pair = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.append(...nodes(value));
    pair.append(dt, dd);
    list.append(pair);
  }
  return list;
}

/** Each participant's totals over all their stays, and how their last stay ended. */
export function renderParticipantTable(session: SessionDetail): HTMLElement {
  const headers = ["Participant", "Stays", "In conference", "Muted", "Deaf", "Talking", "Left"];
  const rows = session.participants.map((p) => {
    const who: Node[] = [document.createTextNode(participantName(p))];
    if (p.is_moderator) {
      who.push(document.createTextNode(" "), badge("moderator"));
    }
    const talking = `${formatDuration(p.talk_time)} (${p.talk_count}×)`;
    return {
      id: p.call_id,
      cells: [
        who,
        String(p.joins.length),
        formatDuration(p.time_in_conference),
        formatDuration(p.time_muted),
        formatDuration(p.time_deaf),
        talking,
        leaveReasonLabel(p.left_reason),
      ],
    };
  });
  return table("Participants", headers, rows);
}

/**
 * A table whose first column heads its row; every cell names its column in `data-label` for
 * the stacked layout on narrow screens. Rows carry their item's id in `data-id`.
 */
function table(label: string, headers: string[], rows: Array<{ id: string; cells: Cell[] }>) {
  const { table: el, body } = stackTable(headers);
  el.setAttribute("aria-label", label);
  for (const { id, cells } of rows) {
    const row = body.insertRow();
    row.dataset.id = id;
    cells.forEach((content, i) => {
      const cell = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) {
        cell.scope = "row";
      }
      cell.dataset.label = headers[i] ?? "";
      cell.append(...nodes(content));
      row.append(cell);
    });
  }
  return el;
}

/** A `<time>` showing the local date and time, with the ISO instant for machines. */
function time(iso: string): HTMLTimeElement {
  const el = document.createElement("time");
  el.dateTime = iso;
  el.textContent = formatWhen(Date.parse(iso));
  return el;
}

function nodes(content: Cell): Array<string | Node> {
  return Array.isArray(content) ? content : [content];
}
