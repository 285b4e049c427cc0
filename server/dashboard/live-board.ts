/**
 * The live conferences screen: the account's conferences, the open one's participants and the
 * event log, kept current from the feed. It owns the screen's state; the panel is drawn by
 * conference-detail.ts, the participants by conference-participants.ts, the rest by render.ts;
 * the actions are run by conference-actions.ts, and events are read by feed-events.ts.
 * @module
 */
import type { EventFrame } from "../../protocol/ws";
import type { ParleyApi, Participant } from "./api";
import { messageOf } from "./api-client";
import { ConferenceActions } from "./conference-actions";
import { ConferenceDetailView, type OpenConference } from "./conference-detail";
import { conferenceLabel } from "./conference-label";
import { ParticipantList } from "./conference-participants";
import {
  applyFlags,
  changesConferenceList,
  changesMembership,
  conferenceIdOf,
  conferenceStateOf,
  describeEvent,
  participantIdOf,
} from "./feed-events";
import { appendLog, type ConferenceRow, renderConferences, tickDurations } from "./render";

/** The regions of index.html this screen draws into (the panel's other parts are inside). */
export interface LiveBoardElements {
  conferences: HTMLTableSectionElement;
  detail: HTMLElement;
  detailTitle: HTMLElement;
  /** The open conference's "History" link, pointed at it on each selection. */
  detailHistory: HTMLAnchorElement;
  participants: HTMLElement;
  log: HTMLElement;
}

/** What the editor changed, so the live screen can show it (conference-editor.ts says so). */
export interface ConferenceChange {
  id: string;
  deleted: boolean;
}

/** How long a burst of list-changing events (a conference filling up) waits before one re-read. */
const listRefreshDelayMs = 100;

/** A conference read's figures say a media server runs it. */
function figuresRun(figures: { members: number; admins: number; duration: number }): boolean {
  return figures.members + figures.admins > 0 || figures.duration > 0;
}

/**
 * The live screen's state: the conference list, the open conference with its participants, and
 * what events said of each conference; main.ts feeds it the `/ws` events.
 */
export class LiveBoard {
  readonly #api: ParleyApi;
  readonly #el: LiveBoardElements;
  readonly #detail: ConferenceDetailView;
  readonly #list: ParticipantList;
  readonly #actions: ConferenceActions;
  #conferences = new Map<string, ConferenceRow>();
  /** What the latest events said: a media server runs the conference (or stopped). */
  readonly #runningByEvents = new Map<string, boolean>();
  #selected: string | null = null;
  #open: OpenConference | null = null;
  #participants = new Map<number, Participant>();
  #listTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts reads of the open conference, so only the latest one is shown. */
  #reads = 0;

  constructor(api: ParleyApi, elements: LiveBoardElements) {
    this.#api = api;
    this.#el = elements;
    // The panel's and the rows' buttons call the actions, which report back into both.
    this.#detail = new ConferenceDetailView(elements, {
      onLockToggle: (opener) => void this.#actions.lockToggle(opener),
      onBulk: (action, opener) => void this.#actions.bulk(action, opener),
    });
    this.#list = new ParticipantList(elements.participants, (p, action, opener) => {
      void this.#actions.participant(p, action, opener);
    });
    const views = { detail: this.#detail, list: this.#list, listElement: elements.participants };
    this.#actions = new ConferenceActions(api, views, {
      open: () => this.#open,
      participantCount: () => this.#participants.size,
      labelOf: (id) => this.labelOf(id),
      log: (line) => this.log(line),
    });
  }

  /** Forgets the account on screen (the admin opens another): no conference, no participants. */
  reset(): void {
    clearTimeout(this.#listTimer);
    this.#conferences.clear();
    this.#runningByEvents.clear();
    this.#close();
    this.#el.log.replaceChildren();
    this.#drawConferences();
  }

  /** Reads the conference list again and redraws it. */
  async loadConferences(): Promise<void> {
    const list = await this.#api.listConferences();
    const fetchedAt = Date.now();
    this.#conferences = new Map(
      list.map((c) => [c.id, { ...c, running: this.#runs(c.id, figuresRun(c)), fetchedAt }]),
    );
    this.#drawConferences();
  }

  /**
   * Opens a conference: reads it with its participants and shows the detail panel. `focus`
   * moves the keyboard focus to its heading (opened by keyboard, or just saved).
   */
  async select(id: string, focus = false): Promise<void> {
    if (this.#selected !== id) {
      this.#selected = id;
      this.#detail.say("", "");
      this.#drawConferences();
    }
    const read = ++this.#reads;
    const conference = await this.#api.getConference(id);
    if (read !== this.#reads || this.#selected !== id) {
      return;
    }
    const live = conference._read_only;
    this.#open = {
      id,
      name: conference.name,
      conference_numbers: conference.conference_numbers,
      locked: live.is_locked,
      running: this.#runs(id, figuresRun(live)),
    };
    this.#participants = new Map(live.participants.map((p) => [p.participant_id, p]));
    this.#drawDetail();
    if (focus) {
      this.#detail.heading.focus();
    }
  }

  /** After the editor saved or deleted a conference: the list again, and the saved one open. */
  afterEdit(change: ConferenceChange): void {
    if (change.deleted && this.#selected === change.id) {
      this.#close();
    }
    const reread = this.loadConferences();
    this.#background(change.deleted ? reread : reread.then(() => this.select(change.id, true)));
  }

  /**
   * Applies one pushed event: the log says what happened; lock and running state change at
   * once; flags of a known participant change in place; a join, a leave or an unknown
   * participant re-reads the open conference; list-changing events re-read the list.
   */
  applyEvent(frame: EventFrame): void {
    const data = frame.data;
    const id = conferenceIdOf(data);
    const state = conferenceStateOf(data);
    if (id !== undefined && state.running !== undefined) {
      this.#runningByEvents.set(id, state.running);
    }
    this.log(describeEvent(data, (conferenceId) => this.labelOf(conferenceId)));
    const open = this.#open;
    if (open !== null && id === open.id) {
      open.locked = state.locked ?? open.locked;
      open.running = state.running ?? open.running;
      if (state.running === false) {
        this.#participants.clear();
      }
      const participant = participantIdOf(data);
      const known = participant === undefined ? undefined : this.#participants.get(participant);
      if (changesMembership(data) || (!known && participant !== undefined)) {
        this.#reselect();
      } else if (known) {
        applyFlags(known, data);
      }
      this.#drawDetail();
    }
    if (changesConferenceList(data)) {
      clearTimeout(this.#listTimer);
      this.#listTimer = setTimeout(
        () => this.#background(this.loadConferences()),
        listRefreshDelayMs,
      );
    }
  }

  /** Advances running conferences' durations by the time since they were read. */
  tick(): void {
    tickDurations(this.#el.conferences, this.#conferences);
  }

  /** Adds a line to the event log (the feed's events, and what the console asked for). */
  log(line: string): void {
    appendLog(this.#el.log, line);
  }

  /** What the screen calls conference `id`: name, else number, else short id. */
  labelOf(id: string): string {
    const open = this.#open?.id === id ? this.#open : undefined;
    return conferenceLabel(this.#conferences.get(id) ?? open ?? { id }).text;
  }

  /** Running by its figures, or by the latest event about it. */
  #runs(id: string, byFigures: boolean): boolean {
    return byFigures || this.#runningByEvents.get(id) === true;
  }

  #close(): void {
    this.#selected = null;
    this.#open = null;
    this.#participants.clear();
    this.#list.render([]);
    this.#detail.hide();
  }

  #reselect(): void {
    if (this.#selected !== null) {
      this.#background(this.select(this.#selected));
    }
  }

  /** A re-read nobody awaits: a failure is said in the panel instead of going unhandled. */
  #background(work: Promise<void>): void {
    work.catch((error: unknown) => {
      const line = `Could not read the conferences again: ${messageOf(error)}`;
      this.log(line);
      if (this.#open !== null) {
        this.#detail.say("", line);
      }
    });
  }

  #drawConferences(): void {
    renderConferences(this.#el.conferences, this.#conferences.values(), this.#selected, (id, how) =>
      this.#background(this.select(id, how === "keyboard").then(() => this.#reveal())),
    );
  }

  /** On a narrow screen the panel is under the list: scroll to it when it is out of sight. */
  #reveal(): void {
    if (this.#el.detail.getBoundingClientRect().top > window.innerHeight) {
      this.#el.detail.scrollIntoView({ block: "start" });
    }
  }

  #drawDetail(): void {
    if (this.#open === null) {
      return;
    }
    this.#list.render(this.#participants.values());
    this.#detail.show(this.#open, this.#participants.size);
  }
}
