/**
 * The live conferences screen: the account's conferences, the open one's participants and the
 * event log, kept current from the feed and acted on through the API. It owns the screen's state;
 * rendering is in render.ts and the meaning of events in feed-events.ts.
 * @module
 */
import type { ConferenceAction, ParticipantAction } from "../../protocol/actions";
import type { EventFrame } from "../../protocol/ws";
import type { ParleyApi, Participant } from "./api";
import {
  applyFlags,
  changesConferenceList,
  changesMembership,
  conferenceIdOf,
  describeEvent,
  participantIdOf,
} from "./feed-events";
import { historyHref } from "./history-route";
import {
  appendLog,
  type ConferenceRow,
  renderConferences,
  renderParticipants,
  tickDurations,
} from "./render";

/** The regions of index.html this screen draws into. */
export interface LiveBoardElements {
  conferences: HTMLTableSectionElement;
  detail: HTMLElement;
  detailTitle: HTMLElement;
  /** The open conference's "History" link, pointed at it on each selection. */
  detailHistory: HTMLAnchorElement;
  participants: HTMLElement;
  log: HTMLElement;
}

/** How long a burst of list-changing events (a conference filling up) waits before one re-read. */
const listRefreshDelayMs = 100;

export class LiveBoard {
  readonly #api: ParleyApi;
  readonly #el: LiveBoardElements;
  #conferences = new Map<string, ConferenceRow>();
  #selected: string | null = null;
  #participants = new Map<number, Participant>();
  #listTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(api: ParleyApi, elements: LiveBoardElements) {
    this.#api = api;
    this.#el = elements;
  }

  /** Reads the conference list again and redraws it. */
  async loadConferences(): Promise<void> {
    const list = await this.#api.listConferences();
    const fetchedAt = Date.now();
    this.#conferences = new Map(
      list.map((c) => [c.id, { ...c, running: c.members + c.admins > 0, fetchedAt }]),
    );
    this.#drawConferences();
  }

  /** Opens a conference: reads it with its participants and shows the detail panel. */
  async select(id: string): Promise<void> {
    this.#selected = id;
    const conference = await this.#api.getConference(id);
    this.#el.detail.hidden = false;
    this.#el.detailTitle.textContent = conference.name ?? id;
    this.#el.detailHistory.href = historyHref(id);
    this.#el.detailHistory.setAttribute("aria-label", `History of ${conference.name ?? id}`);
    this.#participants = new Map(
      conference._read_only.participants.map((p) => [p.participant_id, p]),
    );
    this.#drawParticipants();
    this.#drawConferences();
  }

  async conferenceAction(action: ConferenceAction): Promise<void> {
    await this.#attempt(action, (id) => this.#api.conferenceAction(id, action));
  }

  async bulkAction(action: ParticipantAction): Promise<void> {
    await this.#attempt(`${action} all`, (id) => this.#api.bulkAction(id, action));
  }

  async participantAction(participantId: number, action: ParticipantAction): Promise<void> {
    const run = (id: string) => this.#api.participantAction(id, participantId, action);
    await this.#attempt(action, run, ` to participant ${participantId}`);
  }

  /**
   * Applies one pushed event: flags of a known participant change in place; a join, a leave or
   * an unknown participant re-reads the open conference; list-changing events re-read the list.
   */
  applyEvent(frame: EventFrame): void {
    const data = frame.data;
    this.log(describeEvent(data));
    if (this.#selected !== null && conferenceIdOf(data) === this.#selected) {
      const id = participantIdOf(data);
      const known = id === undefined ? undefined : this.#participants.get(id);
      if (changesMembership(data) || (!known && id !== undefined)) {
        this.#reselect();
      } else if (known) {
        applyFlags(known, data);
        this.#drawParticipants();
      }
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

  log(line: string): void {
    appendLog(this.#el.log, line);
  }

  #reselect(): void {
    if (this.#selected !== null) {
      this.#background(this.select(this.#selected));
    }
  }

  /** Runs an action on the open conference and logs how it went: `{what} sent{to}` or why not. */
  async #attempt(
    what: string,
    run: (conferenceId: string) => Promise<void>,
    to = "",
  ): Promise<void> {
    if (this.#selected === null) {
      return;
    }
    try {
      await run(this.#selected);
      this.log(`${what} sent${to}`);
    } catch (error) {
      this.log(`${what} failed: ${messageOf(error)}`);
    }
  }

  /** A re-read nobody awaits: a failure is logged instead of becoming an unhandled rejection. */
  #background(work: Promise<void>): void {
    work.catch((error: unknown) => this.log(`refresh failed: ${messageOf(error)}`));
  }

  #drawConferences(): void {
    renderConferences(this.#el.conferences, this.#conferences.values(), this.#selected, (id) =>
      this.#background(this.select(id)),
    );
  }

  #drawParticipants(): void {
    renderParticipants(this.#el.participants, this.#participants.values(), (id, action) => {
      void this.participantAction(id, action);
    });
  }
}

/** The message of whatever was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
