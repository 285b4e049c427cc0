/**
 * The conference editor (`#conferences/new`, `#conference/{C}/edit`): creates a conference
 * (`PUT /conferences`), changes one (`POST /conferences/{C}`, the document read first and sent
 * back whole, so keys the form does not show, such as `ui_metadata`, survive) and deletes one
 * after a confirmation. The API's validation errors appear next to the fields they name. After
 * a save or a delete it goes back to the live screen and tells it what changed (an event on its
 * root, see {@link onConferenceChange}), which opens the saved conference.
 * @module
 */
import { ParleyApi } from "./api";
import { type ApiClient, ApiError, messageOf } from "./api-client";
import { ConferenceForm } from "./conference-form";
import { conferenceLabel, hasDocument } from "./conference-label";
import { confirmAction } from "./confirm";
import type { ConferenceChange } from "./live-board";
import type { Route } from "./routes";
import type { Screen } from "./screen";

/** The event the editor's root dispatches after a save or a delete. */
const changedEvent = "parley:conference-changed";

/** Calls `listener` with each conference the editor rooted at `root` saved or deleted. */
export function onConferenceChange(
  root: HTMLElement,
  listener: (change: ConferenceChange) => void,
): void {
  root.addEventListener(changedEvent, (event) => {
    if (event instanceof CustomEvent) {
      listener(event.detail as ConferenceChange);
    }
  });
}

/** A new conference's form: the API's defaults, so what is shown is what will be stored. */
const newDocument: Record<string, unknown> = {
  member: { join_muted: true, join_deaf: false },
  moderator: { join_muted: true, join_deaf: false },
  play_name: false,
};

/** The conference being edited: its id (none for a new one) and its document as read. */
interface Editing {
  id?: string;
  original: Record<string, unknown>;
}

/**
 * The editor screen main.ts shows for `conference-new` and `conference-edit`; it reads and writes
 * conference documents through the public API only.
 */
export class ConferenceEditorScreen implements Screen {
  readonly root: HTMLElement;
  readonly #api: ParleyApi;
  readonly #title: HTMLHeadingElement;
  readonly #crumb: HTMLElement;
  readonly #status: HTMLParagraphElement;
  readonly #form: HTMLFormElement;
  readonly #formError: HTMLParagraphElement;
  readonly #fields: ConferenceForm;
  readonly #save: HTMLButtonElement;
  readonly #delete: HTMLButtonElement;
  #editing: Editing | null = null;
  /** Counts shows, so a read that lands after the operator moved on is dropped. */
  #generation = 0;
  #busy = false;

  constructor(client: ApiClient, root: HTMLElement) {
    this.root = root;
    this.#api = new ParleyApi(client);
    root.innerHTML = `
      <nav aria-label="Breadcrumb"><ol class="trail">
        <li><a href="#">Live conferences</a></li><li aria-current="page"></li>
      </ol></nav>
      <h2 id="editor-title" tabindex="-1">New conference</h2>
      <p class="editor-status" role="status"></p>
      <form class="conference-form" novalidate>
        <p class="form-error" role="alert"></p>
        <div class="form-buttons">
          <button type="submit" class="primary">Create conference</button>
          <a class="link-button" href="#">Cancel</a>
          <button type="button" class="danger" hidden>Delete conference</button>
        </div>
      </form>`;
    const find = <T extends Element>(selector: string, type: abstract new () => T): T => {
      const found = root.querySelector(selector);
      if (!(found instanceof type)) {
        throw new Error(`dashboard: the editor's ${selector} is missing`);
      }
      return found;
    };
    this.#crumb = find("[aria-current]", HTMLElement);
    this.#title = find("h2", HTMLHeadingElement);
    this.#status = find(".editor-status", HTMLParagraphElement);
    this.#form = find("form", HTMLFormElement);
    this.#formError = find(".form-error", HTMLParagraphElement);
    this.#save = find("button[type=submit]", HTMLButtonElement);
    this.#delete = find("button.danger", HTMLButtonElement);
    this.#fields = new ConferenceForm(this.#form, find(".form-buttons", HTMLElement));
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#submit();
    });
    this.#delete.addEventListener("click", () => void this.#remove());
  }

  /** An empty form for a new conference, or the conference's document read afresh. */
  async show(route: Route): Promise<void> {
    const generation = ++this.#generation;
    this.#editing = null;
    this.#formError.textContent = "";
    this.#status.textContent = "";
    if (route.screen === "conference-new") {
      this.#heading("New conference");
      this.#open({ original: {} }, newDocument);
      return;
    }
    if (route.screen !== "conference-edit") {
      return;
    }
    const id = route.conferenceId;
    this.#heading("Edit conference");
    this.#form.hidden = true;
    this.#status.textContent = "Reading the conference…";
    let doc: Record<string, unknown>;
    try {
      doc = await this.#api.getConferenceDocument(id);
    } catch (error) {
      if (generation === this.#generation) {
        this.#status.textContent = `Could not read the conference: ${messageOf(error)}`;
      }
      return;
    }
    if (generation !== this.#generation) {
      return;
    }
    const { id: _id, ...original } = doc;
    const label = conferenceLabel({ ...original, id }).text;
    if (!hasDocument(doc)) {
      this.#heading(label);
      this.#status.textContent = `${label} is known only from its media server's events: it has no document to edit.`;
      return;
    }
    this.#status.textContent = "";
    this.#heading(`Edit ${label}`);
    this.#open({ id, original }, original);
  }

  /** Leaving: a read still under way is dropped when it lands. */
  close(): void {
    this.#generation += 1;
  }

  /** Names the screen in its heading, the breadcrumb and the tab, and puts the focus there. */
  #heading(text: string): void {
    this.#title.textContent = text;
    this.#crumb.textContent = text;
    document.title = `parley — ${text.toLowerCase().startsWith("new") ? "new conference" : text}`;
    this.#title.focus();
  }

  #open(editing: Editing, shown: Record<string, unknown>): void {
    this.#editing = editing;
    this.#fields.fill(shown);
    this.#save.textContent = editing.id ? "Save changes" : "Create conference";
    this.#delete.hidden = editing.id === undefined;
    this.#form.hidden = false;
  }

  async #submit(): Promise<void> {
    const editing = this.#editing;
    if (!editing || this.#busy) {
      return;
    }
    const doc = this.#fields.read(editing.original);
    this.#fields.clearErrors();
    this.#formError.textContent = "";
    const saved = await this.#whileBusy(this.#save, () =>
      editing.id === undefined
        ? this.#api.createConference(doc)
        : this.#api.replaceConference(editing.id, doc),
    );
    if (saved instanceof Error) {
      this.#refused(saved);
    } else if (saved) {
      this.#done({ id: saved.id, deleted: false });
    }
  }

  async #remove(): Promise<void> {
    const id = this.#editing?.id;
    if (id === undefined || this.#busy) {
      return;
    }
    const label = conferenceLabel({ ...this.#editing?.original, id }).text;
    const confirmed = await confirmAction({
      title: `Delete ${label}?`,
      message: `Its document (name, numbers, PINs and settings) is removed for good. This cannot be undone.`,
      confirmLabel: "Delete conference",
      opener: this.#delete,
    });
    if (!confirmed) {
      return;
    }
    const deleted = await this.#whileBusy(this.#delete, () => this.#api.deleteConference(id));
    if (deleted instanceof Error) {
      this.#formError.textContent = `The conference was not deleted: ${messageOf(deleted)}`;
    } else {
      this.#done({ id, deleted: true });
    }
  }

  /** Runs one call with `button` marked busy; answers its result, or the error it threw. */
  async #whileBusy<T>(button: HTMLButtonElement, call: () => Promise<T>): Promise<T | Error> {
    this.#busy = true;
    button.setAttribute("aria-busy", "true");
    try {
      return await call();
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#busy = false;
      button.removeAttribute("aria-busy");
    }
  }

  /** The API refused the document: each error next to its field, a summary above them. */
  #refused(error: Error): void {
    const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};
    const count = Object.keys(fieldErrors).length;
    if (count === 0) {
      this.#formError.textContent = `The conference was not saved: ${messageOf(error)}`;
      return;
    }
    const { fields, unplaced } = this.#fields.showErrors(fieldErrors);
    const need = fields === 1 ? "a field needs" : `${fields} fields need`;
    const summary =
      fields > 0
        ? `The conference was not saved: ${need} attention.`
        : "The conference was not saved.";
    this.#formError.textContent = [summary, ...unplaced].join("\n");
  }

  /**
   * Saved or deleted: back to the live screen, which is told what changed. The editor's history
   * entry is replaced, so Back then leaves the live screen instead of reopening a form that was
   * already saved.
   */
  #done(change: ConferenceChange): void {
    this.#editing = null;
    this.root.dispatchEvent(new CustomEvent(changedEvent, { detail: change }));
    location.replace("#live");
  }
}
