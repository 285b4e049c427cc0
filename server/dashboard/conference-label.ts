/**
 * What the console calls a conference. A conference known only from the media server's events
 * has no document, so no name, and its id is 32 hex characters that would push any table out of
 * its panel; a stored one may have a blank name. Every place that names a conference (the list,
 * the detail panel, the event log, the editor) uses this one rule, so they all agree.
 * @module
 */

/** What a label is made from: a list row, a conference read, or only an id from an event. */
export interface Labelled {
  id: string;
  name?: string;
  conference_numbers?: string[];
}

/** A conference's readable name and, when that is not its whole identity, the full id. */
export interface ConferenceLabel {
  /** The name; else the first conference number; else the id's first 8 characters. */
  text: string;
  /** For a `title` tooltip: says what the text is and gives the full id when it is shortened. */
  title: string;
}

/** Characters of an id shown when there is nothing better: enough to tell conferences apart. */
const shortIdLength = 8;

/** The label of `conference`: its name, else its first conference number, else a short id. */
export function conferenceLabel(conference: Labelled): ConferenceLabel {
  const name = conference.name?.trim();
  if (name) {
    return { text: name, title: name };
  }
  const number = conference.conference_numbers?.find((n) => n.trim() !== "");
  if (number) {
    return { text: number, title: `Conference number ${number} (no name); id ${conference.id}` };
  }
  const short = conference.id.slice(0, shortIdLength);
  return {
    text: short,
    title: short === conference.id ? conference.id : `Conference ${conference.id} (no name)`,
  };
}

/** Whether a read conference has a stored document (an ad-hoc one reads without a name). */
export function hasDocument(conference: { name?: string }): boolean {
  return typeof conference.name === "string";
}
