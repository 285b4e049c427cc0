/**
 * One endpoint's screen (`#webhooks/{W}`), like an app portal's endpoint page: its state and
 * figures at the top, its actions (send a test event, edit, enable or disable, delete), its
 * signing secret, replaying what failed, and its delivery log. The figures are read again
 * whenever a delivery on screen changes, so a test event's outcome shows in both places.
 * @module
 */
import { messageOf } from "./api-client";
import { confirmAction } from "./confirm";
import { button, para } from "./dom";
import { webhooksHref } from "./routes";
import type {
  ConferenceChoice,
  Endpoint,
  EventTypeEntry,
  FormatEntry,
  WebhooksApi,
} from "./webhooks-api";
import { endpointForm } from "./webhooks-form";
import { DeliveryLogView } from "./webhooks-log";
import { lastAttemptText, linkButton, stateBadge, timeOf } from "./webhooks-render";
import { replaySection } from "./webhooks-replay";
import { secretSection } from "./webhooks-secret";

/** What the endpoint screen is drawn from. */
export interface EndpointViewOptions {
  eventTypes: EventTypeEntry[];
  formats: FormatEntry[];
  conferences: ConferenceChoice[];
}

/** The screen of one endpoint; drawn into `element`, stopped by {@link EndpointView.close}. */
export class EndpointView {
  readonly element = document.createElement("div");
  /** The heading, focused when the screen opens. */
  readonly title = document.createElement("h2");
  readonly #api: WebhooksApi;
  readonly #options: EndpointViewOptions;
  readonly #log: DeliveryLogView;
  readonly #badge = document.createElement("span");
  readonly #url = document.createElement("p");
  readonly #facts = document.createElement("dl");
  readonly #actionError = para("", "alert");
  readonly #actionStatus = para("", "status");
  readonly #editor = document.createElement("div");
  readonly #toggle: HTMLButtonElement;
  #endpoint: Endpoint;
  /** A re-read of the figures already asked for (several deliveries may change at once). */
  #rereading: Promise<void> | undefined;

  constructor(api: WebhooksApi, endpoint: Endpoint, options: EndpointViewOptions) {
    this.#api = api;
    this.#options = options;
    this.#endpoint = endpoint;
    this.title.tabIndex = -1;
    this.#facts.className = "summary endpoint-facts";
    this.#editor.className = "endpoint-editor";
    this.#editor.hidden = true;
    this.#log = new DeliveryLogView(api, endpoint.id, options.eventTypes, () => void this.reread());

    const back = linkButton("All endpoints", webhooksHref());
    back.classList.add("back");
    const head = document.createElement("div");
    head.className = "panel-head";
    const name = document.createElement("div");
    name.className = "endpoint-name";
    name.append(this.title, this.#badge);
    head.append(name, back);
    this.#url.className = "mono endpoint-url";

    const ping = button("Send test event", "", () => void this.#ping(ping));
    ping.removeAttribute("aria-label");
    const edit = button("Edit", "", () => this.#toggleEditor(edit));
    edit.removeAttribute("aria-label");
    edit.setAttribute("aria-expanded", "false");
    this.#toggle = button("Disable", "", () => void this.#setEnabled());
    this.#toggle.removeAttribute("aria-label");
    const remove = button("Delete", "", () => void this.#delete(remove));
    remove.removeAttribute("aria-label");
    remove.classList.add("danger");
    const toolbar = document.createElement("fieldset");
    toolbar.className = "toolbar";
    const legend = document.createElement("legend");
    legend.textContent = "Endpoint actions";
    toolbar.append(legend, ping, edit, this.#toggle, remove);

    this.element.append(
      head,
      this.#url,
      this.#facts,
      toolbar,
      this.#actionError,
      this.#actionStatus,
      this.#editor,
      secretSection(api, endpoint.id, endpoint.name),
      replaySection(api, endpoint.id, () => void this.#log.refresh()),
      this.#log.element,
    );
    this.#draw();
  }

  /** Reads the first page of the log (after the screen is on the page); says so if it cannot. */
  async loadLog(): Promise<void> {
    try {
      await this.#log.load();
    } catch (error) {
      this.#log.report(`Could not read the delivery log: ${messageOf(error)}`);
    }
  }

  /** Reads the endpoint again and redraws its figures. */
  reread(): Promise<void> {
    this.#rereading ??= this.#api
      .read(this.#endpoint.id)
      .then((endpoint) => {
        this.#endpoint = endpoint;
        this.#draw();
      })
      .catch((error: unknown) => {
        this.#actionError.textContent = `Could not read the endpoint again: ${messageOf(error)}`;
      })
      .finally(() => {
        this.#rereading = undefined;
      });
    return this.#rereading;
  }

  close(): void {
    this.#log.close();
  }

  #draw(): void {
    const e = this.#endpoint;
    const health = e._read_only;
    this.title.textContent = e.name;
    this.#badge.replaceChildren(stateBadge(health?.state));
    this.#url.textContent = e.url;
    this.#toggle.textContent = e.enabled ? "Disable" : "Enable";
    const events = e.event_types.includes("*")
      ? ["all", ...e.event_types.filter((t) => t !== "*")].join(", ")
      : e.event_types.join(", ");
    const facts: Array<[string, string | HTMLElement]> = [
      ["State", health?.state ?? "unknown"],
      ["Last attempt", lastAttemptText(health)],
      ["Failing since", timeOf(health?.failing_since)],
      ["Waiting", `${health?.pending ?? 0} pending, ${health?.retrying ?? 0} retrying`],
      ["Format", e.format],
      ["Events", events],
      ["Conference", e.conference_id ?? "all"],
      ["Order", e.ordered ? "ordered" : "side by side"],
    ];
    if (e.disabled_reason) {
      facts.push(["Disabled because", e.disabled_reason]);
    }
    this.#facts.replaceChildren(
      ...facts.map(([term, value]) => {
        const item = document.createElement("div");
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        dd.append(value);
        item.append(dt, dd);
        return item;
      }),
    );
  }

  async #ping(control: HTMLButtonElement): Promise<void> {
    this.#say("", "");
    control.disabled = true;
    try {
      const id = await this.#api.ping(this.#endpoint.id);
      this.#say("", `Test event sent: delivery ${id}. Its outcome shows in the log below.`);
      await this.#log.refresh();
    } catch (error) {
      this.#say(`Sending a test event failed: ${messageOf(error)}`, "");
    } finally {
      control.disabled = false;
    }
  }

  #toggleEditor(control: HTMLButtonElement): void {
    const opening = this.#editor.hidden;
    this.#editor.hidden = !opening;
    control.setAttribute("aria-expanded", String(opening));
    if (!opening) {
      this.#editor.replaceChildren();
      return;
    }
    const form = endpointForm({
      ...this.#options,
      initial: this.#endpoint,
      submitLabel: "Save changes",
      onSubmit: async (input) => {
        this.#endpoint = await this.#api.update(this.#endpoint.id, input);
        this.#draw();
        this.#editor.hidden = true;
        this.#editor.replaceChildren();
        control.setAttribute("aria-expanded", "false");
        control.focus();
        this.#say("", "Saved.");
      },
    });
    this.#editor.replaceChildren(form);
    form.querySelector("input")?.focus();
  }

  async #setEnabled(): Promise<void> {
    this.#say("", "");
    const enabled = !this.#endpoint.enabled;
    this.#toggle.disabled = true;
    try {
      this.#endpoint = await this.#api.update(this.#endpoint.id, { enabled });
      this.#draw();
      this.#say("", enabled ? "Enabled: held-back deliveries go out now." : "Disabled.");
    } catch (error) {
      this.#say(`${enabled ? "Enabling" : "Disabling"} failed: ${messageOf(error)}`, "");
    } finally {
      this.#toggle.disabled = false;
    }
  }

  async #delete(control: HTMLButtonElement): Promise<void> {
    this.#say("", "");
    const confirmed = await confirmAction({
      title: `Delete the endpoint ${this.#endpoint.name}?`,
      message:
        "parley stops sending to it at once, and its delivery log is no longer shown. This cannot be undone.",
      confirmLabel: "Delete endpoint",
      opener: control,
    });
    if (!confirmed) {
      return;
    }
    try {
      await this.#api.remove(this.#endpoint.id);
      location.hash = webhooksHref();
    } catch (error) {
      this.#say(`Deleting failed: ${messageOf(error)}`, "");
    }
  }

  #say(error: string, status: string): void {
    this.#actionError.textContent = error;
    this.#actionStatus.textContent = status;
  }
}
