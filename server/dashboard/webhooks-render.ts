/**
 * The small pieces the webhooks screen is drawn with: state badges, times, a labelled field with
 * its own error line, and putting a validation error's messages next to the fields they are
 * about. Drawing only: no calls to the API.
 * @module
 */
import type { FieldErrors } from "./api-client";
import { para } from "./dom";
import type { Endpoint } from "./webhooks-api";

/** An endpoint's state, as `_read_only.state` says it. */
export type EndpointState = NonNullable<Endpoint["_read_only"]>["state"];

/**
 * Text as the catalogue writes it, with `backticked` names (fields, values) shown as code: the
 * API's descriptions are Markdown-ish, the page draws only that part of it.
 */
export function richText(text: string): Node[] {
  return text.split("`").map((part, i) => {
    if (i % 2 === 0) {
      return document.createTextNode(part);
    }
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  });
}

/** A link styled as a button (`New endpoint`, `All endpoints`). */
export function linkButton(text: string, href: string): HTMLAnchorElement {
  const a = document.createElement("a");
  a.className = "link-button";
  a.href = href;
  a.textContent = text;
  return a;
}

/** The state as a coloured badge: enabled (green), failing (amber), disabled (grey). */
export function stateBadge(state: EndpointState | undefined): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = `badge state-${state ?? "unknown"}`;
  el.textContent = state ?? "unknown";
  return el;
}

/** A delivery's status as a badge: succeeded, pending, retrying, dead. */
export function statusBadge(status: string): HTMLSpanElement {
  const el = document.createElement("span");
  el.className = `badge delivery-${status}`;
  el.textContent = status;
  return el;
}

/** An ISO time in the operator's locale, inside a `<time>`; "never" for none. */
export function timeOf(iso: string | null | undefined): HTMLElement {
  if (!iso) {
    const none = document.createElement("span");
    none.textContent = "never";
    return none;
  }
  const t = document.createElement("time");
  t.dateTime = iso;
  t.textContent = new Date(iso).toLocaleString();
  return t;
}

/** The latest attempt in words: "HTTP 500 at …", "no answer (…) at …", or "none yet". */
export function lastAttemptText(health: Endpoint["_read_only"]): string {
  if (!health?.last_attempt_at) {
    return "none yet";
  }
  const when = new Date(health.last_attempt_at).toLocaleString();
  return health.last_status_code === null
    ? `no answer (${health.last_error ?? "unknown error"}) at ${when}`
    : `HTTP ${health.last_status_code} at ${when}`;
}

/** A `datetime-local` value (the operator's local time) as ISO 8601; undefined when empty. */
export function isoFromLocal(value: string): string | undefined {
  if (!value) {
    return undefined;
  }
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** A `datetime-local` value for a time (minutes, local): what the input shows by default. */
export function localInputValue(at: Date): string {
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A form control with its label, optional help, and an error line of its own. */
export interface Field<C extends HTMLElement = HTMLElement> {
  wrapper: HTMLElement;
  control: C;
  error: HTMLElement;
}

let fieldCount = 0;

/** Labels `control`, describes it by its help and its error line, and wraps the three. */
export function field<C extends HTMLElement>(label: string, control: C, help?: string): Field<C> {
  fieldCount += 1;
  const id = control.id || `wh-field-${fieldCount}`;
  control.id = id;
  const wrapper = document.createElement("div");
  wrapper.className = "field";
  const labelEl = document.createElement("label");
  labelEl.htmlFor = id;
  labelEl.textContent = label;
  const error = para("", "alert", "field-error");
  error.id = `${id}-error`;
  const describedBy = [error.id];
  wrapper.append(labelEl, control);
  if (help !== undefined) {
    const helpEl = para(help, undefined, "help");
    helpEl.id = `${id}-help`;
    describedBy.unshift(helpEl.id);
    wrapper.append(helpEl);
  }
  wrapper.append(error);
  control.setAttribute("aria-describedby", describedBy.join(" "));
  return { wrapper, control, error };
}

/** Clears every field's error (before a new attempt). */
export function clearFieldErrors(fields: Iterable<Field>): void {
  for (const { control, error } of fields) {
    error.textContent = "";
    control.removeAttribute("aria-invalid");
  }
}

/**
 * Puts each validation message next to its field (keyed by the first segment of the error's
 * path: `event_types.0` is `event_types`'s); answers the messages no field shown claims, and
 * focuses the first field in error.
 */
export function showFieldErrors(fields: Record<string, Field>, errors: FieldErrors): string[] {
  const unclaimed: string[] = [];
  let first: HTMLElement | undefined;
  for (const [path, rules] of Object.entries(errors)) {
    const messages = Object.values(rules).map((rule) => rule.message);
    const target = fields[path.split(".")[0] ?? ""];
    if (!target) {
      unclaimed.push(`${path}: ${messages.join("; ")}`);
      continue;
    }
    target.error.textContent = [target.error.textContent, ...messages].filter(Boolean).join("; ");
    target.control.setAttribute("aria-invalid", "true");
    first ??= target.control;
  }
  first?.focus();
  return unclaimed;
}
