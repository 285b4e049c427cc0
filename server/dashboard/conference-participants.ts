/**
 * The open conference's participants: a row each with the talking light, the name, state badges,
 * the actions that make sense now and a line for the error of an action on that caller.
 *
 * Rows are kept and updated in place, never redrawn: talking lights change several times a
 * second, and a redraw would throw the keyboard focus off the button an operator is on (or off
 * the Kick button a confirmation should return to).
 * @module
 */
import type { ParticipantAction } from "../../protocol/actions";
import type { Participant } from "./api";
import { button } from "./dom";
import { badge } from "./render";

/** Asked of the board when a participant's button is pressed; `opener` is that button. */
export type ParticipantActionHandler = (
  participant: Participant,
  action: ParticipantAction,
  opener: HTMLButtonElement,
) => void;

/** A participant's row and the parts of it that change. */
interface Row {
  participant: Participant;
  item: HTMLLIElement;
  dot: HTMLSpanElement;
  name: HTMLSpanElement;
  badges: HTMLSpanElement;
  speak: HTMLButtonElement;
  hear: HTMLButtonElement;
  kick: HTMLButtonElement;
  error: HTMLParagraphElement;
}

/** The name an operator knows a caller by: name, else number, else call id. */
export function participantName(p: Participant): string {
  return p.caller_id_name || p.caller_id_number || p.call_id;
}

/** The `#participants` list, kept in step with the participants it is given. */
export class ParticipantList {
  readonly #list: HTMLElement;
  readonly #onAction: ParticipantActionHandler;
  readonly #rows = new Map<number, Row>();

  constructor(list: HTMLElement, onAction: ParticipantActionHandler) {
    this.#list = list;
    this.#onAction = onAction;
    // Focus lands on the list itself when the row that had it leaves.
    list.tabIndex = -1;
  }

  /** Shows exactly `participants`, in their order, reusing the rows already on screen. */
  render(participants: Iterable<Participant>): void {
    const wanted = [...participants];
    const ids = new Set(wanted.map((p) => p.participant_id));
    let lostFocus = false;
    for (const [id, row] of this.#rows) {
      if (!ids.has(id)) {
        lostFocus ||= row.item.contains(document.activeElement);
        row.item.remove();
        this.#rows.delete(id);
      }
    }
    const items = wanted.map((p) => {
      const row = this.#rows.get(p.participant_id) ?? this.#create(p);
      update(row, p);
      return row.item;
    });
    const inOrder = items.every((item, i) => this.#list.children[i] === item);
    if (!inOrder || this.#list.children.length !== items.length) {
      const focused = document.activeElement;
      this.#list.replaceChildren(...items);
      if (focused instanceof HTMLElement && this.#list.contains(focused)) {
        focused.focus();
      }
    }
    if (lostFocus) {
      this.#list.focus();
    }
  }

  /** Puts `message` on the participant's row (announced), or clears it with "". */
  showError(participantId: number, message: string): void {
    const row = this.#rows.get(participantId);
    if (row) {
      row.error.textContent = message;
    }
  }

  /** The participant's row, if they are still here. */
  has(participantId: number): boolean {
    return this.#rows.has(participantId);
  }

  #create(p: Participant): Row {
    const item = document.createElement("li");
    item.dataset.participant = String(p.participant_id);
    const dot = document.createElement("span");
    dot.className = "talking";
    dot.setAttribute("role", "img");
    const name = document.createElement("span");
    name.className = "name";
    const badges = document.createElement("span");
    badges.className = "badges";
    const ask = (target: () => HTMLButtonElement) => () => {
      const pressed = target();
      const action = pressed.dataset.action as ParticipantAction;
      this.#onAction(row.participant, action, pressed);
    };
    const speak = button(
      "",
      "",
      ask(() => row.speak),
    );
    const hear = button(
      "",
      "",
      ask(() => row.hear),
    );
    const kick = button(
      "Kick",
      "",
      ask(() => row.kick),
    );
    kick.className = "danger";
    kick.dataset.action = "kick";
    const actions = document.createElement("span");
    actions.className = "actions";
    actions.append(speak, hear, kick);
    const error = document.createElement("p");
    error.className = "participant-error";
    error.setAttribute("role", "alert");
    item.append(dot, name, badges, actions, error);
    const row: Row = { participant: p, item, dot, name, badges, speak, hear, kick, error };
    this.#rows.set(p.participant_id, row);
    return row;
  }
}

/** Brings a row up to date with `p`, changing only text and attributes. */
function update(row: Row, p: Participant): void {
  row.participant = p;
  const name = participantName(p);
  row.dot.dataset.on = String(Boolean(p.talking));
  row.dot.setAttribute("aria-label", p.talking ? `${name} is talking` : `${name} is silent`);
  row.name.textContent = name;
  const badges = [
    p.is_moderator ? badge("moderator") : undefined,
    p.speak ? undefined : badge("muted"),
    p.hear ? undefined : badge("deaf"),
  ].filter((b) => b !== undefined);
  const now = row.badges.textContent;
  if (now !== badges.map((b) => b.textContent).join("")) {
    row.badges.replaceChildren(...badges);
  }
  setAction(row.speak, p.speak ? "mute" : "unmute", p.speak ? "Mute" : "Unmute", name);
  setAction(row.hear, p.hear ? "deaf" : "undeaf", p.hear ? "Deafen" : "Undeafen", name);
  setAction(row.kick, "kick", "Kick", name);
}

function setAction(b: HTMLButtonElement, action: ParticipantAction, verb: string, name: string) {
  b.dataset.action = action;
  b.textContent = verb;
  b.setAttribute("aria-label", `${verb} ${name}`);
}
