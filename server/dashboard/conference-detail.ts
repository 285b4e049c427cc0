/**
 * The open conference's panel on the live screen: its name, whether it is locked and running
 * (badges), the Edit and History links, the one of Lock/Unlock that makes sense, the bulk
 * actions, and the lines that say how the last action went, right where it was asked for.
 * @module
 */
import type { ParticipantAction } from "../../protocol/actions";
import { isParticipantAction } from "../../protocol/actions";
import { type ConferenceLabel, conferenceLabel, hasDocument } from "./conference-label";
import { badge } from "./render";
import { conferenceEditHref, historyHref } from "./routes";

/** What the panel shows of the open conference. */
export interface OpenConference {
  id: string;
  name?: string;
  conference_numbers?: string[];
  locked: boolean;
  /** A media server runs it: it has callers, or its events said it started. */
  running: boolean;
}

/** What the panel's buttons ask of the board; `opener` is the button pressed. */
export interface DetailActions {
  onLockToggle: (opener: HTMLButtonElement) => void;
  onBulk: (action: ParticipantAction, opener: HTMLButtonElement) => void;
}

/** The panel's parts index.html provides, found inside `#detail`. */
export interface DetailElements {
  detail: HTMLElement;
  detailTitle: HTMLElement;
  detailHistory: HTMLAnchorElement;
}

/** Draws the detail panel; holds no conference state of its own. */
export class ConferenceDetailView {
  readonly #el: DetailElements;
  readonly #state: HTMLElement;
  readonly #edit: HTMLAnchorElement;
  readonly #lock: HTMLButtonElement;
  readonly #bulk: HTMLButtonElement[];
  readonly #error: HTMLElement;
  readonly #status: HTMLElement;
  readonly #empty: HTMLElement;

  constructor(elements: DetailElements, actions: DetailActions) {
    this.#el = elements;
    const inside = <T extends Element>(selector: string, type: abstract new () => T): T =>
      partOf(elements.detail, selector, type);
    this.#state = inside("#detail-state", HTMLElement);
    this.#edit = inside("#detail-edit", HTMLAnchorElement);
    this.#lock = inside("[data-conference-action]", HTMLButtonElement);
    this.#error = inside("#detail-error", HTMLElement);
    this.#status = inside("#detail-status", HTMLElement);
    this.#empty = inside("#participants-empty", HTMLElement);
    this.#bulk = [...elements.detail.querySelectorAll<HTMLButtonElement>("button[data-bulk]")];
    this.#lock.addEventListener("click", () => actions.onLockToggle(this.#lock));
    for (const b of this.#bulk) {
      const action = b.dataset.bulk;
      if (isParticipantAction(action)) {
        b.addEventListener("click", () => actions.onBulk(action, b));
      }
    }
  }

  /** The heading, for focus after the conference was opened by keyboard or saved. */
  get heading(): HTMLElement {
    return this.#el.detailTitle;
  }

  /** No conference open (none chosen yet, or the open one was deleted). */
  hide(): void {
    this.#el.detail.hidden = true;
    this.say("", "");
  }

  /** Shows `open`; `participants` is how many are listed (none: a line says so). */
  show(open: OpenConference, participants: number): ConferenceLabel {
    const label = conferenceLabel(open);
    this.#el.detail.hidden = false;
    this.#el.detailTitle.textContent = label.text;
    this.#el.detailTitle.title = label.title;
    this.#el.detailHistory.href = historyHref(open.id);
    this.#el.detailHistory.setAttribute("aria-label", `History of ${label.text}`);
    // A conference known only from events has no document to edit.
    this.#edit.hidden = !hasDocument(open);
    this.#edit.href = conferenceEditHref(open.id);
    this.#edit.setAttribute("aria-label", `Edit ${label.text}`);
    const states = [
      open.locked ? badge("locked") : badge("unlocked"),
      open.running ? badge("live") : badge("not running"),
    ];
    if (this.#state.textContent !== states.map((b) => b.textContent).join("")) {
      this.#state.replaceChildren(...states);
    }
    const action = open.locked ? "unlock" : "lock";
    this.#lock.dataset.conferenceAction = action;
    this.#lock.textContent = open.locked ? "Unlock" : "Lock";
    // Still focusable and pressable when nothing runs: a press says why nothing happens.
    for (const b of [this.#lock, ...this.#bulk]) {
      b.setAttribute("aria-disabled", String(!open.running));
    }
    this.#empty.hidden = participants > 0;
    this.#empty.textContent = open.running
      ? "No one is in this conference now."
      : "No one is in this conference: no media server is running it.";
    return label;
  }

  /** The outcome of the last action: a status (polite) or an error (announced at once). */
  say(status: string, error: string): void {
    this.#status.textContent = status;
    this.#error.textContent = error;
  }
}

/** The element `selector` names inside `root`, checked to be a `type`; fails loudly if not. */
function partOf<T extends Element>(
  root: HTMLElement,
  selector: string,
  type: abstract new () => T,
): T {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) {
    throw new Error(`dashboard: ${selector} is missing from #${root.id} or not a ${type.name}`);
  }
  return found;
}
