/**
 * The endpoint form, for a new endpoint and for editing one: name, URL, body format, the event
 * types from the catalogue (grouped, each with its description, the opt-in ones marked), an
 * optional conference, enabled and ordered. The browser's own checks are off (`novalidate`):
 * parley validates, and each of its messages is shown next to the field it is about.
 * @module
 */
import { ApiError, messageOf } from "./api-client";
import { para } from "./dom";
import type {
  ConferenceChoice,
  Endpoint,
  EndpointInput,
  EventTypeEntry,
  FormatEntry,
} from "./webhooks-api";
import { clearFieldErrors, type Field, field, richText, showFieldErrors } from "./webhooks-render";

/** How the catalogue's groups are titled in the form, in the order they are shown. */
const groupTitles: Record<EventTypeEntry["group"], string> = {
  meeting: "Meetings",
  participant: "Participants",
  conference: "Conference documents",
  schedule: "Scheduled meetings",
  chat: "Chat",
  media: "Recordings, livestreams and transcripts",
};

/** What the form is drawn from and what it does when submitted. */
export interface EndpointFormOptions {
  eventTypes: EventTypeEntry[];
  formats: FormatEntry[];
  conferences: ConferenceChoice[];
  /** The endpoint being edited; a new one's defaults when absent. */
  initial?: Endpoint;
  submitLabel: string;
  /** Sends the input; an {@link ApiError} it throws is shown on the form's fields. */
  onSubmit: (input: EndpointInput) => Promise<void>;
}

/** Builds the form; its element is ready to insert. */
export function endpointForm(options: EndpointFormOptions): HTMLFormElement {
  const { initial } = options;
  const form = document.createElement("form");
  form.className = "endpoint-form";
  form.noValidate = true;

  const name = field("Name", input("text", initial?.name ?? ""), "What the endpoint is for.");
  name.control.required = true;
  name.control.maxLength = 128;
  const url = field(
    "URL",
    input("url", initial?.url ?? ""),
    "Where parley POSTs the events (http or https).",
  );
  url.control.required = true;
  url.control.placeholder = "https://example.com/hooks/parley";

  const format = field("Body format", document.createElement("select"));
  const formatHelp = para("", undefined, "help");
  for (const entry of options.formats) {
    format.control.append(new Option(entry.name, entry.id, false, entry.id === initial?.format));
  }
  const describeFormat = () => {
    formatHelp.replaceChildren(
      ...richText(options.formats.find((f) => f.id === format.control.value)?.description ?? ""),
    );
  };
  format.control.addEventListener("change", describeFormat);
  describeFormat();
  format.wrapper.insertBefore(formatHelp, format.error);

  const events = eventTypesField(options.eventTypes, initial?.event_types ?? ["*"]);

  const conference = field(
    "Conference",
    document.createElement("select"),
    "Only this conference's events; all conferences when none is chosen.",
  );
  conference.control.append(new Option("All conferences", ""));
  const known = new Set<string>();
  for (const c of options.conferences) {
    known.add(c.id);
    conference.control.append(new Option(c.name ?? c.id, c.id));
  }
  if (initial?.conference_id && !known.has(initial.conference_id)) {
    conference.control.append(new Option(initial.conference_id, initial.conference_id));
  }
  conference.control.value = initial?.conference_id ?? "";

  const enabled = checkbox("Enabled", initial?.enabled ?? true, "Deliveries go out while on.");
  const ordered = checkbox(
    "Ordered",
    initial?.ordered ?? true,
    "One conference's events go out one at a time, in order. Off: side by side, faster, and the receiver orders them by timestamp.",
  );

  const fields: Record<string, Field> = {
    name,
    url,
    format,
    event_types: events.field,
    conference_id: conference,
    enabled,
    ordered,
  };
  const formError = para("", "alert");
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = options.submitLabel;

  form.append(
    name.wrapper,
    url.wrapper,
    format.wrapper,
    events.field.wrapper,
    conference.wrapper,
    enabled.wrapper,
    ordered.wrapper,
    submit,
    formError,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(Object.values(fields));
    formError.textContent = "";
    submit.disabled = true;
    try {
      await options.onSubmit({
        name: name.control.value.trim(),
        url: url.control.value.trim(),
        format: format.control.value,
        event_types: events.selected(),
        conference_id: conference.control.value || null,
        enabled: enabled.control.checked,
        ordered: ordered.control.checked,
      });
    } catch (error) {
      const unclaimed = error instanceof ApiError ? showFieldErrors(fields, error.fieldErrors) : [];
      if (!(error instanceof ApiError) || error.code !== "validation error") {
        formError.textContent = `Saving failed: ${messageOf(error)}`;
      } else if (unclaimed.length > 0) {
        formError.textContent = unclaimed.join("; ");
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function input(type: string, value: string): HTMLInputElement {
  const el = document.createElement("input");
  el.type = type;
  el.value = value;
  return el;
}

/** A checkbox with its label after it, help under it, and an error line. */
function checkbox(label: string, checked: boolean, help: string): Field<HTMLInputElement> {
  const box = input("checkbox", "");
  box.checked = checked;
  const made = field(label, box, help);
  made.wrapper.classList.add("check");
  return made;
}

/**
 * The event types as checkboxes in one fieldset per catalogue group, after "All events" (`*`).
 * While "All events" is ticked, every type it covers is shown ticked and cannot be unticked; the
 * opt-in ones stay separate choices, as `*` never includes them.
 */
function eventTypesField(catalogue: EventTypeEntry[], chosen: string[]) {
  const fieldset = document.createElement("fieldset");
  fieldset.className = "event-types";
  const legend = document.createElement("legend");
  legend.textContent = "Events";
  const all = input("checkbox", "*");
  all.id = `wh-events-all-${Math.random().toString(36).slice(2)}`;
  all.checked = chosen.includes("*");
  const allLabel = document.createElement("label");
  allLabel.className = "check all-events";
  allLabel.append(all, " All events (except the opt-in ones)");
  fieldset.append(legend, allLabel);

  const boxes = new Map<string, { box: HTMLInputElement; entry: EventTypeEntry }>();
  for (const group of Object.keys(groupTitles) as EventTypeEntry["group"][]) {
    const entries = catalogue.filter((entry) => entry.group === group);
    if (entries.length === 0) {
      continue;
    }
    const part = document.createElement("fieldset");
    part.className = "event-group";
    const title = document.createElement("legend");
    title.textContent = groupTitles[group];
    part.append(title);
    for (const entry of entries) {
      const box = input("checkbox", entry.id);
      box.checked = chosen.includes(entry.id);
      const label = document.createElement("label");
      label.className = "check event-type";
      const text = document.createElement("span");
      const nameEl = document.createElement("strong");
      nameEl.textContent = entry.name;
      const code = document.createElement("code");
      code.textContent = entry.id;
      text.append(nameEl, " ", code);
      if (entry.opt_in) {
        const mark = document.createElement("span");
        mark.className = "badge opt-in";
        mark.textContent = "opt-in";
        text.append(" ", mark);
      }
      const about = document.createElement("span");
      about.className = "help";
      about.append(...richText(entry.description));
      label.append(box, text, about);
      part.append(label);
      boxes.set(entry.id, { box, entry });
    }
    fieldset.append(part);
  }
  const error = para("", "alert", "field-error");
  error.id = `${all.id}-error`;
  fieldset.setAttribute("aria-describedby", error.id);
  fieldset.append(error);

  /** Remembers what was ticked by hand, to restore it when "All events" is unticked. */
  const own = new Set(chosen);
  const sync = () => {
    for (const { box, entry } of boxes.values()) {
      if (entry.opt_in) {
        continue;
      }
      box.disabled = all.checked;
      box.checked = all.checked || own.has(entry.id);
    }
  };
  for (const { box, entry } of boxes.values()) {
    box.addEventListener("change", () => {
      if (box.checked) {
        own.add(entry.id);
      } else {
        own.delete(entry.id);
      }
    });
  }
  all.addEventListener("change", sync);
  sync();

  return {
    field: { wrapper: fieldset, control: all, error } satisfies Field,
    /** The `event_types` to send: `*` and the opt-in ones ticked, or every one ticked. */
    selected(): string[] {
      const ticked = [...boxes.values()].filter(({ box }) => box.checked && !box.disabled);
      return [...(all.checked ? ["*"] : []), ...ticked.map(({ entry }) => entry.id)];
    },
  };
}
