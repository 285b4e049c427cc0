/**
 * The history screen: a conference's (or the account's) past and live sessions, newest first,
 * paged with "Load more"; and one session's timeline and participant figures. It owns the
 * screen's state and reads only the public history API; rendering is in history-render.ts and
 * history-timeline.ts. A live session on screen is read again when the feed reports a change
 * in its conference, so its open bars keep up.
 * @module
 */
import type { SessionEvent, SessionView } from "../../protocol/sessions";
import type { EventFrame } from "../../protocol/ws";
import type { ParleyApi, SessionDetail } from "./api";
import { messageOf } from "./api-client";
import { button } from "./dom";
import { conferenceIdOf } from "./feed-events";
import {
  drawsOnTimeline,
  formatClock,
  formatWhen,
  type Span,
  sessionSpan,
  talkingSpans,
} from "./history-data";
import {
  renderParticipantTable,
  renderSessionList,
  renderSummary,
  renderTrail,
  type TrailStep,
} from "./history-render";
import { renderTimeline } from "./history-timeline";
import { historyHref } from "./routes";

/** The regions of index.html this screen draws into. */
export interface HistoryElements {
  root: HTMLElement;
  trail: HTMLElement;
  /** Focused after each navigation (it has `tabindex="-1"`), so keyboard users start there. */
  title: HTMLElement;
  status: HTMLElement;
  content: HTMLElement;
}

/** The list on screen: whose sessions, the pages read so far and where the next one starts. */
interface ListState {
  conferenceId: string | undefined;
  sessions: SessionView[];
  nextStartKey: string | undefined;
}

/** A burst of events in a live session (a room filling up) waits this long for one re-read. */
const liveRefreshDelayMs = 250;

const liveConferences: TrailStep = { label: "Live conferences", href: "#" };

/** The history screen's state and navigation; one per page, shown and hidden by the route. */
export class HistoryView {
  readonly #api: ParleyApi;
  readonly #el: HistoryElements;
  /** Bumped by each navigation, so an answer for a screen the operator left is dropped. */
  #generation = 0;
  #list: ListState | undefined;
  #session: SessionDetail | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(api: ParleyApi, elements: HistoryElements) {
    this.#api = api;
    this.#el = elements;
  }

  /** Shows the first page of sessions: the conference's, or the account's without an id. */
  async showSessions(conferenceId?: string): Promise<void> {
    const generation = this.#open("Loading sessions…");
    await this.#attempt(generation, async () => {
      const page = await this.#api.listSessions(conferenceId);
      if (generation === this.#generation) {
        this.#list = { conferenceId, sessions: page.sessions, nextStartKey: page.nextStartKey };
        this.#drawList();
        this.#el.title.focus();
      }
    });
  }

  /** Appends the next page and moves focus to its first session, where reading continues. */
  async loadMore(): Promise<void> {
    const list = this.#list;
    if (!list?.nextStartKey) {
      return;
    }
    const generation = this.#generation;
    this.#el.status.textContent = "Loading more sessions…";
    await this.#attempt(generation, async () => {
      const page = await this.#api.listSessions(list.conferenceId, list.nextStartKey);
      if (generation === this.#generation) {
        const firstNew = page.sessions[0]?.id;
        list.sessions.push(...page.sessions);
        list.nextStartKey = page.nextStartKey;
        this.#drawList();
        const row = [...this.#el.content.querySelectorAll<HTMLElement>("tr[data-id]")].find(
          (r) => r.dataset.id === firstNew,
        );
        row?.querySelector("a")?.focus();
      }
    });
  }

  /** Shows one session: its figures, then its timeline with the talking read from its events. */
  async showSession(sessionId: string, options: { refresh?: boolean } = {}): Promise<void> {
    const generation = options.refresh ? this.#generation : this.#open("Loading the session…");
    await this.#attempt(generation, async () => {
      const [session, events] = await Promise.all([
        this.#api.getSession(sessionId),
        this.#timelineEvents(sessionId),
      ]);
      if (generation !== this.#generation) {
        return;
      }
      this.#session = session;
      const talking = talkingSpans(events, sessionSpan(session).to);
      this.#drawSession(session, talking);
      if (!options.refresh) {
        this.#el.title.focus();
      }
    });
  }

  /** Leaves the screen: hides it and drops whatever it was still reading. */
  close(): void {
    this.#generation += 1;
    clearTimeout(this.#refreshTimer);
    this.#session = undefined;
    this.#el.root.hidden = true;
  }

  /** Re-reads the live session on screen when an event of its conference arrives. */
  applyEvent(frame: EventFrame): void {
    const shown = this.#session;
    if (!shown?.live || conferenceIdOf(frame.data) !== shown.conference_id) {
      return;
    }
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(
      () => void this.showSession(shown.id, { refresh: true }),
      liveRefreshDelayMs,
    );
  }

  /** Starts a navigation: shows the screen with a loading line and forgets the previous one. */
  #open(status: string): number {
    this.close();
    this.#el.root.hidden = false;
    this.#el.status.textContent = status;
    return this.#generation;
  }

  /** Runs a read; a failure for the screen still shown says so in the status line. */
  async #attempt(generation: number, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (generation === this.#generation) {
        this.#el.status.textContent = `Could not load the history: ${messageOf(error)}`;
      }
    }
  }

  /** Every page of the session's events, keeping those the timeline draws. */
  async #timelineEvents(sessionId: string): Promise<SessionEvent[]> {
    const kept: SessionEvent[] = [];
    let afterSeq: number | undefined;
    do {
      const page = await this.#api.sessionEvents(sessionId, afterSeq);
      kept.push(...page.events.filter(drawsOnTimeline));
      // A cursor that does not move on would loop forever; stop rather than hang the screen.
      afterSeq =
        page.nextAfterSeq !== undefined && page.nextAfterSeq > (afterSeq ?? -1)
          ? page.nextAfterSeq
          : undefined;
    } while (afterSeq !== undefined);
    return kept;
  }

  #drawList(): void {
    const list = this.#list;
    if (!list) {
      return;
    }
    const accountWide = list.conferenceId === undefined;
    const name = list.sessions[0]?.conference_name ?? "this conference";
    this.#title(accountWide ? "History of all conferences" : `History of ${name}`);
    renderTrail(
      this.#el.trail,
      accountWide
        ? [liveConferences, { label: "History" }]
        : [liveConferences, { label: "All history", href: historyHref() }, { label: name }],
    );
    const count = list.sessions.length;
    const more = list.nextStartKey ? "; more to load" : "";
    this.#el.status.textContent =
      count === 0 ? "No sessions yet." : `${count} session${count === 1 ? "" : "s"}${more}`;
    const parts: HTMLElement[] = count === 0 ? [] : [renderSessionList(list.sessions, accountWide)];
    if (list.nextStartKey) {
      const more = button("Load more", "Load more sessions", () => void this.loadMore());
      more.className = "load-more";
      parts.push(more);
    }
    this.#el.content.replaceChildren(...parts);
  }

  /** The heading, and the tab's title so the browser's history and bookmarks name the screen. */
  #title(text: string): void {
    this.#el.title.textContent = text;
    document.title = `parley — ${text}`;
  }

  #drawSession(session: SessionDetail, talking: ReadonlyMap<string, Span[]>): void {
    const name = session.conference_name ?? session.conference_id;
    const started = formatWhen(Date.parse(session.started_at));
    this.#title(`${name}, ${started}`);
    renderTrail(this.#el.trail, [
      liveConferences,
      { label: "All history", href: historyHref() },
      { label: name, href: historyHref(session.conference_id) },
      { label: "Session" },
    ]);
    const asOf = Date.parse(session.started_at) + session.duration * 1000;
    this.#el.status.textContent = session.live ? `Live; figures as of ${formatClock(asOf)}` : "";
    this.#el.content.replaceChildren(
      renderSummary(session),
      heading("Timeline"),
      renderTimeline(session, talking),
      heading("Participants"),
      renderParticipantTable(session),
    );
  }
}

function heading(text: string): HTMLHeadingElement {
  const h = document.createElement("h3");
  h.textContent = text;
  return h;
}
