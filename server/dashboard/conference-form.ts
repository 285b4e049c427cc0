/**
 * The conference editor's form: one labelled control per field of conference-fields.ts, filled
 * from a document and read back into it, and the API's validation errors shown next to the
 * field each one names (`member.pins.1` → the member PINs), linked by `aria-describedby` and
 * marked `aria-invalid`, with the first invalid field focused.
 *
 * The form does not validate on its own: the API is the one judge, so the console can never
 * accept what the API refuses, nor refuse what it accepts.
 * @module
 */
import type { FieldErrors } from "./api-client";
import {
  allFields,
  countValue,
  type FieldSpec,
  fieldGroups,
  fieldId,
  listItems,
  valueAt,
  withValue,
} from "./conference-fields";

/** A field's controls and its error line. */
interface Control {
  spec: FieldSpec;
  input: HTMLInputElement | HTMLSelectElement;
  /** A tone's own name or media URL, typed when its choice is "custom". */
  custom?: HTMLInputElement;
  error: HTMLElement;
}

/** The tone choices; "custom" takes the text typed beside it. */
const toneChoices = [
  ["unset", "Not set (the media server's default)"],
  ["on", "Play the default tone"],
  ["off", "Play no tone"],
  ["custom", "Play a tone or media file I name"],
] as const;

/** The fields inside a `<form>`, built once; the editor fills and reads them per conference. */
export class ConferenceForm {
  readonly #controls = new Map<string, Control>();

  /** Builds every field into `container`, before `before` (the form's buttons). */
  constructor(container: HTMLElement, before: Element | null) {
    for (const group of fieldGroups) {
      let parent = container;
      if (group.legend) {
        parent = document.createElement("fieldset");
        parent.className = group.className ?? "";
        const legend = document.createElement("legend");
        legend.textContent = group.legend;
        parent.append(legend);
        container.insertBefore(parent, before);
      }
      for (const spec of group.fields) {
        parent.insertBefore(this.#build(spec), parent === container ? before : null);
      }
    }
  }

  /** Shows `doc`'s values; fields it lacks show their empty or unset state. */
  fill(doc: Record<string, unknown>): void {
    this.clearErrors();
    for (const { spec, input, custom } of this.#controls.values()) {
      const value = valueAt(doc, spec.path);
      if (input instanceof HTMLSelectElement && custom) {
        input.value =
          value === true
            ? "on"
            : value === false
              ? "off"
              : value === undefined
                ? "unset"
                : "custom";
        custom.value = typeof value === "string" ? value : "";
        syncTone(input, custom);
      } else if (input instanceof HTMLInputElement && spec.kind === "check") {
        input.checked = value === true;
      } else if (input instanceof HTMLInputElement) {
        input.value = Array.isArray(value) ? value.join(", ") : value == null ? "" : String(value);
      }
    }
  }

  /** `original` with the form's fields written over it; every key the form lacks is kept. */
  read(original: Record<string, unknown>): Record<string, unknown> {
    let doc = original;
    for (const { spec, input, custom } of this.#controls.values()) {
      doc = withValue(doc, spec.path, readValue(spec, input, custom, original));
    }
    return doc;
  }

  /**
   * Puts each error next to its field and focuses the first invalid field in form order.
   * Answers how many fields show errors, and the errors none shows (a key the form has no
   * control for) as readable lines.
   */
  showErrors(errors: FieldErrors): { fields: number; unplaced: string[] } {
    this.clearErrors();
    const unplaced: string[] = [];
    const lines = new Map<Control, string[]>();
    for (const [path, rules] of Object.entries(errors)) {
      const control = this.#controlFor(path);
      const messages = Object.values(rules).map((rule) => describe(path, control?.spec, rule));
      if (control) {
        lines.set(control, [...(lines.get(control) ?? []), ...messages]);
      } else {
        unplaced.push(...messages.map((message) => `${path}: ${message}`));
      }
    }
    for (const [control, messages] of lines) {
      control.error.textContent = messages.join("\n");
      control.input.setAttribute("aria-invalid", "true");
      control.custom?.setAttribute("aria-invalid", "true");
    }
    const first = [...this.#controls.values()].find((c) => lines.has(c));
    const target = first?.custom && !first.custom.hidden ? first.custom : first?.input;
    target?.focus();
    return { fields: lines.size, unplaced };
  }

  /** Takes every error off the form (before a new attempt, or a new document). */
  clearErrors(): void {
    for (const { input, custom, error } of this.#controls.values()) {
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      custom?.removeAttribute("aria-invalid");
    }
  }

  /** The first field, for focus when the form opens. */
  get firstInput(): HTMLElement | undefined {
    return [...this.#controls.values()][0]?.input;
  }

  /** The field an error path is about: itself, its list (`.1`), or its object's first field. */
  #controlFor(path: string): Control | undefined {
    const exact = allFields
      .filter((spec) => path === spec.path || path.startsWith(`${spec.path}.`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    const within = allFields.find((spec) => spec.path.startsWith(`${path}.`));
    const spec = exact ?? within;
    return spec && this.#controls.get(spec.path);
  }

  #build(spec: FieldSpec): HTMLElement {
    const id = fieldId(spec);
    const field = document.createElement("div");
    field.className = `field ${spec.kind}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = spec.label;
    const error = paragraph("field-error", `${id}-error`, "");
    const described = [spec.hint ? `${id}-hint` : "", error.id].filter(Boolean).join(" ");
    const input = spec.kind === "tone" ? toneSelect(id) : textInput(id, spec);
    input.setAttribute("aria-describedby", described);
    const control: Control = { spec, input, error };
    // Label, hint and error above the box (read before typing, seen while typing); a box to
    // tick stands before its label.
    const hint = spec.hint ? paragraph("help", `${id}-hint`, spec.hint) : undefined;
    const above = [label, ...(hint ? [hint] : []), error];
    field.append(...(spec.kind === "check" ? [input, ...above] : [...above, input]));
    if (input instanceof HTMLSelectElement) {
      const custom = textInput(`${id}-custom`, spec);
      custom.setAttribute("aria-label", `${spec.label}: the tone or media URL to play`);
      custom.setAttribute("aria-describedby", described);
      custom.placeholder = "tone_stream://%(200,0,500) or a media URL";
      input.addEventListener("change", () => syncTone(input, custom));
      control.custom = custom;
      field.append(custom);
    }
    this.#controls.set(spec.path, control);
    return field;
  }
}

function paragraph(className: string, id: string, text: string): HTMLParagraphElement {
  const p = document.createElement("p");
  p.className = className;
  p.id = id;
  p.textContent = text;
  return p;
}

function textInput(id: string, spec: FieldSpec): HTMLInputElement {
  const input = document.createElement("input");
  input.id = id;
  input.name = id;
  input.autocomplete = "off";
  if (spec.kind === "check") {
    input.type = "checkbox";
  } else if (spec.kind === "count") {
    input.type = "text";
    input.inputMode = "numeric";
  } else if (spec.path === "name") {
    input.required = true;
  }
  return input;
}

function toneSelect(id: string): HTMLSelectElement {
  const select = document.createElement("select");
  select.id = id;
  select.name = id;
  for (const [value, text] of toneChoices) {
    select.append(new Option(text, value));
  }
  return select;
}

/** The tone's text box shows only while "a tone I name" is chosen. */
function syncTone(select: HTMLSelectElement, custom: HTMLInputElement): void {
  custom.hidden = select.value !== "custom";
}

/** A field's value for the document; undefined removes its key. */
function readValue(
  spec: FieldSpec,
  input: HTMLInputElement | HTMLSelectElement,
  custom: HTMLInputElement | undefined,
  original: Record<string, unknown>,
): unknown {
  const text = input.value;
  switch (spec.kind) {
    case "text":
      return text.trim();
    case "list":
      return listItems(text);
    case "count":
      return countValue(text);
    case "check": {
      const checked = input instanceof HTMLInputElement && input.checked;
      // An optional box left unticked stays as it was: absent, or false if it was set.
      return !checked && spec.optional && valueAt(original, spec.path) === undefined
        ? undefined
        : checked;
    }
    case "tone":
      return toneValue(text, custom?.value ?? "");
  }
}

/** A tone choice as the document has it: unset (no key), true, false, or the named tone. */
function toneValue(choice: string, named: string): boolean | string | undefined {
  switch (choice) {
    case "unset":
      return undefined;
    case "on":
      return true;
    case "off":
      return false;
    default:
      return named.trim();
  }
}

/** One error as a line: the API's message, after the entry it is about for a list's item. */
function describe(path: string, spec: FieldSpec | undefined, rule: { message: string }): string {
  const item = spec && path.startsWith(`${spec.path}.`) ? path.slice(spec.path.length + 1) : "";
  const value = (rule as { value?: unknown }).value;
  return /^\d+$/.test(item) && value !== undefined
    ? `“${String(value)}”: ${rule.message}`
    : rule.message;
}
