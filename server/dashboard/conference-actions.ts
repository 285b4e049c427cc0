/**
 * The live screen's actions on the open conference: what each one needs first (a confirmation
 * for a kick, a media server running the conference), sending it, and saying how it went where
 * it was asked for. Each action is said as the operator would say it ("mute Ada in Daily
 * standup"), so one phrase reads right in the status line, in an error next to the button and
 * in the event log.
 * @module
 */
import type { ConferenceAction, ParticipantAction } from "../../protocol/actions";
import type { ParleyApi, Participant } from "./api";
import { messageOf } from "./api-client";
import type { ConferenceDetailView, OpenConference } from "./conference-detail";
import { type ParticipantList, participantName } from "./conference-participants";
import { type ConfirmOptions, confirmAction } from "./confirm";

/** What the actions read of the live board, at the moment they run. */
export interface ActionContext {
  /** The open conference, or null. */
  open(): OpenConference | null;
  /** How many participants it has now. */
  participantCount(): number;
  /** What the live screen calls the conference (name, number or short id). */
  labelOf(conferenceId: string): string;
  /** Adds a line to the event log. */
  log(line: string): void;
}

/** Where the actions report: the detail panel and the participant list. */
export interface ActionViews {
  detail: ConferenceDetailView;
  list: ParticipantList;
  /** Focus goes here when the row of a kicked caller is gone. */
  listElement: HTMLElement;
}

/** Runs the buttons of the open conference's panel and of its participants' rows. */
export class ConferenceActions {
  readonly #api: ParleyApi;
  readonly #views: ActionViews;
  readonly #context: ActionContext;

  constructor(api: ParleyApi, views: ActionViews, context: ActionContext) {
    this.#api = api;
    this.#views = views;
    this.#context = context;
  }

  /** Lock or Unlock, whichever the conference's state makes meaningful. */
  async lockToggle(opener: HTMLButtonElement): Promise<void> {
    const open = this.#context.open();
    const action: ConferenceAction = open?.locked ? "unlock" : "lock";
    const label = this.#runningLabel(open, action);
    if (open && label !== undefined) {
      await this.#send(conferencePhrase(action, label), opener, () =>
        this.#api.conferenceAction(open.id, action),
      );
    }
  }

  /** An action on every participant but the moderators (kick: everyone, once confirmed). */
  async bulk(action: ParticipantAction, opener: HTMLButtonElement): Promise<void> {
    const open = this.#context.open();
    const label = this.#runningLabel(open, action);
    if (!open || label === undefined) {
      return;
    }
    if (action === "kick") {
      const question = kickAllQuestion(this.#context.participantCount(), label);
      if (!(await confirmAction({ ...question, opener }))) {
        return;
      }
    }
    await this.#send(bulkPhrase(action, label), opener, () =>
      this.#api.bulkAction(open.id, action),
    );
  }

  /** An action on one participant; a kick once confirmed, if they are still there. */
  async participant(
    p: Participant,
    action: ParticipantAction,
    opener: HTMLButtonElement,
  ): Promise<void> {
    const open = this.#context.open();
    if (open === null) {
      return;
    }
    const { detail, list } = this.#views;
    const id = p.participant_id;
    const [name, label] = [participantName(p), this.#context.labelOf(open.id)];
    list.showError(id, "");
    if (action === "kick") {
      const question = kickOneQuestion(name, label);
      const fallbackFocus = this.#views.listElement;
      if (!(await confirmAction({ ...question, opener, fallbackFocus }))) {
        return;
      }
      if (this.#context.open()?.id !== open.id || !list.has(id)) {
        detail.say("", `${name} already left ${label}; nobody was kicked.`);
        return;
      }
    }
    const shown = (message: string) =>
      list.has(id) ? list.showError(id, message) : detail.say("", message);
    await this.#send(
      participantPhrase(action, name, label),
      opener,
      () => this.#api.participantAction(open.id, id, action),
      shown,
    );
  }

  /**
   * The open conference's label when a media server runs it; otherwise undefined, and the
   * panel says plainly why nothing is sent.
   */
  #runningLabel(
    open: OpenConference | null,
    action: ConferenceAction | ParticipantAction,
  ): string | undefined {
    if (open === null) {
      return undefined;
    }
    const label = this.#context.labelOf(open.id);
    if (!open.running) {
      this.#views.detail.say("", notRunningMessage(action, label));
      return undefined;
    }
    return label;
  }

  /**
   * Sends an action and says how it went where it was asked for: the panel's status line, or
   * an error in the panel (or, for a participant, on their row). The log keeps both.
   */
  async #send(
    phrase: string,
    opener: HTMLButtonElement,
    run: () => Promise<void>,
    showError: (message: string) => void = (message) => this.#views.detail.say("", message),
  ): Promise<void> {
    const { detail } = this.#views;
    detail.say("", "");
    opener.setAttribute("aria-busy", "true");
    try {
      await run();
      const line = `Asked the media server to ${phrase}.`;
      detail.say(line, "");
      this.#context.log(line);
    } catch (error) {
      const line = `Could not ${phrase}: ${messageOf(error)}`;
      showError(line);
      this.#context.log(line);
    } finally {
      opener.removeAttribute("aria-busy");
    }
  }
}

/** The verb of each participant action, as an operator says it. */
const verbs: Readonly<Record<ParticipantAction, string>> = {
  mute: "mute",
  unmute: "unmute",
  deaf: "deafen",
  undeaf: "undeafen",
  kick: "kick",
};

/** "lock Daily standup". */
function conferencePhrase(action: ConferenceAction, conference: string): string {
  return `${action} ${conference}`;
}

/** "mute everyone but the moderators in Daily standup"; kick takes moderators too (seed 003). */
function bulkPhrase(action: ParticipantAction, conference: string): string {
  return action === "kick"
    ? `kick everyone out of ${conference}`
    : `${verbs[action]} everyone but the moderators in ${conference}`;
}

/** "deafen Ada in Daily standup". */
function participantPhrase(action: ParticipantAction, caller: string, conference: string): string {
  return action === "kick"
    ? `kick ${caller} out of ${conference}`
    : `${verbs[action]} ${caller} in ${conference}`;
}

/**
 * Why nothing was sent: no media server runs the conference, so there is nobody to act on and
 * no lock to set. The HTTP API would still publish the command (Kazoo does); the console says
 * plainly that it would change nothing.
 */
function notRunningMessage(
  action: ConferenceAction | ParticipantAction,
  conference: string,
): string {
  const what =
    action === "lock" || action === "unlock"
      ? `nothing to ${action}`
      : `nobody to ${verbs[action]}`;
  return `No media server is running ${conference}; ${what}. It runs once someone dials in.`;
}

/** The confirmation before a caller is kicked. */
function kickOneQuestion(
  caller: string,
  conference: string,
): Omit<ConfirmOptions, "opener" | "fallbackFocus"> {
  return {
    title: `Kick ${caller} out of ${conference}?`,
    message: `${caller}'s call ends now. They can dial in again unless the conference is locked.`,
    confirmLabel: `Kick ${caller}`,
  };
}

/** The confirmation before everyone is kicked. */
function kickAllQuestion(
  count: number,
  conference: string,
): Omit<ConfirmOptions, "opener" | "fallbackFocus"> {
  const callers = count === 1 ? "the one caller" : `all ${count} callers`;
  return {
    title: `Kick everyone out of ${conference}?`,
    message: `The calls of ${callers} end now, moderators included, and the conference ends.`,
    confirmLabel: "Kick everyone",
  };
}
