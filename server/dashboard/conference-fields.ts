/**
 * The conference document's fields as the editor shows them (protocol/conference.ts, seed 003):
 * one entry per field with its dotted path in the document, its label and how it is typed in,
 * and the conversions between a form control's value and the document's. The document is the
 * truth: the form reads a field from it and writes back only the fields it shows.
 * @module
 */

/**
 * How a field is typed in: free text, a list of digit strings (comma or space separated), a
 * yes/no box, a count (empty for none), or a tone (not set, the default tone, none, or a named
 * tone or media URL).
 */
export type FieldKind = "text" | "list" | "check" | "count" | "tone";

/** One field of the form. */
export interface FieldSpec {
  /** Dotted path in the document, as the API's validation errors name it (`member.pins`). */
  path: string;
  label: string;
  kind: FieldKind;
  /** A line under the field saying what to type. */
  hint?: string;
  /** A box whose key is absent unless set: unticked leaves it out rather than writing false. */
  optional?: boolean;
}

/** A fieldset of the form: a legend and its fields. */
export interface FieldGroup {
  legend?: string;
  /** The fieldset's class, for its place in the form's layout. */
  className?: string;
  fields: FieldSpec[];
}

const digitsHint = "Digits only; separate several with commas or spaces.";

/** How members or moderators call in: their own numbers, their PINs and how they join. */
function joinProfile(who: "member" | "moderator", title: "Member" | "Moderator"): FieldGroup {
  return {
    legend: `${title}s`,
    className: "join-profile",
    fields: [
      { path: `${who}.numbers`, label: `${title} numbers`, kind: "list", hint: digitsHint },
      { path: `${who}.pins`, label: `${title} PINs`, kind: "list", hint: digitsHint },
      { path: `${who}.join_muted`, label: "Join muted", kind: "check" },
      { path: `${who}.join_deaf`, label: "Join deaf (hearing nobody)", kind: "check" },
    ],
  };
}

/** The form, top to bottom; errors focus the first invalid field in this order. */
export const fieldGroups: readonly FieldGroup[] = [
  {
    fields: [
      { path: "name", label: "Name", kind: "text" },
      {
        path: "conference_numbers",
        label: "Conference numbers",
        kind: "list",
        hint: `${digitsHint} Members and moderators both dial these.`,
      },
    ],
  },
  joinProfile("member", "Member"),
  joinProfile("moderator", "Moderator"),
  {
    legend: "Joining and leaving",
    fields: [
      {
        path: "max_participants",
        label: "Most participants at once",
        kind: "count",
        hint: "Empty for no limit.",
      },
      { path: "play_name", label: "Announce each caller's name as they join", kind: "check" },
      { path: "play_entry_tone", label: "Entry tone", kind: "tone" },
      { path: "play_exit_tone", label: "Exit tone", kind: "tone" },
      {
        path: "require_moderator",
        label: "Require a moderator",
        kind: "check",
        optional: true,
      },
      {
        path: "wait_for_moderator",
        label: "Members wait for a moderator before joining",
        kind: "check",
        optional: true,
      },
    ],
  },
];

/** Every field, in form order. */
export const allFields: readonly FieldSpec[] = fieldGroups.flatMap((group) => group.fields);

/** The form control id of a field (`conf-member-pins`). */
export function fieldId(spec: FieldSpec): string {
  return `conf-${spec.path.replaceAll(".", "-").replaceAll("_", "-")}`;
}

/** The value at a dotted path of `doc`, or undefined. */
export function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split(".")) {
    node = isRecord(node) ? node[key] : undefined;
  }
  return node;
}

/**
 * A copy of `doc` with `value` at `path` (removed when undefined). Objects on the way are
 * copied, so the document read from the API is never changed in place.
 */
export function withValue(
  doc: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const [key, ...rest] = path.split(".");
  if (key === undefined) {
    return doc;
  }
  const copy = { ...doc };
  if (rest.length > 0) {
    const child = isRecord(copy[key]) ? (copy[key] as Record<string, unknown>) : {};
    copy[key] = withValue(child, rest.join("."), value);
  } else if (value === undefined) {
    delete copy[key];
  } else {
    copy[key] = value;
  }
  return copy;
}

/** The items of a list field as typed: split on commas and spaces, blanks dropped. */
export function listItems(text: string): string[] {
  return text.split(/[\s,;]+/).filter((item) => item !== "");
}

/**
 * A count as the document takes it: none when empty, the number when it is one, else the text
 * as typed (so the API says what is wrong with it rather than the form guessing).
 */
export function countValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") {
    return undefined;
  }
  const n = Number(trimmed);
  return Number.isInteger(n) ? n : trimmed;
}

/** A JSON object (not an array, not null): what a document's nested parts are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
