/**
 * The conference document of seed 003 (Kazoo's Conferences API): every parameter with the seed's
 * type, range and default. Unknown keys are kept, as Kazoo keeps them (`ui_metadata`, …).
 * @module
 */
import { z } from "zod";
import { lenientBoolean, lenientInt, uniqueItems } from "./lenient";
import { participantView } from "./participants";

/** Conference numbers and PINs are digit strings. */
const digits = z.string().regex(/^[0-9]+$/);

/** A list of dial-in numbers; a number may appear once. */
const numberList = z.array(digits).superRefine(uniqueItems);

/** `member` and `moderator`: how each kind of caller joins. */
function joinProfile() {
  return z.looseObject({
    join_deaf: lenientBoolean.default(false),
    join_muted: lenientBoolean.default(true),
    numbers: numberList.default(() => []),
    pins: z.array(digits).default(() => []),
  });
}

/** A tone setting: `true` plays the default tone, `false` none, a string names the tone or media. */
const tone = z.union([z.boolean(), z.string().min(1)]);

/** The writable conference document, as a client sends it in `data`. */
export const conferenceDocument = z.looseObject({
  name: z.string().min(1).max(128),
  bridge_password: z.string().optional(),
  bridge_username: z.string().optional(),
  caller_controls: z.string().optional(),
  conference_numbers: numberList.default(() => []),
  focus: z.string().optional(),
  max_members_media: z.string().optional(),
  max_participants: lenientInt.pipe(z.int().min(0)).optional(),
  member: joinProfile().prefault({}),
  moderator: joinProfile().prefault({}),
  moderator_controls: z.string().optional(),
  owner_id: z.string().min(32).max(32).optional(),
  play_entry_tone: tone.optional(),
  play_exit_tone: tone.optional(),
  play_name: lenientBoolean.default(false),
  play_welcome: lenientBoolean.optional(),
  profile: z.union([z.string(), z.looseObject({})]).optional(),
  require_moderator: lenientBoolean.optional(),
  wait_for_moderator: lenientBoolean.optional(),
});

/** A validated conference document with its defaults applied. */
export type ConferenceDocument = z.infer<typeof conferenceDocument>;

/** The realtime block parley adds under `_read_only`; computed from live state, never stored. */
export interface ConferenceReadOnly {
  members: number;
  admins: number;
  moderators: number;
  duration: number;
  is_locked: boolean;
}

/** `ConferenceReadOnly` as a schema: the live figures (also the envelope's `metadata`). */
export const conferenceFigures = z
  .strictObject({
    /** Participants who are not moderators. */
    members: z.int().min(0),
    /** Moderators (seed 003's name); `moderators` carries the same count (Kazoo's current name). */
    admins: z.int().min(0),
    moderators: z.int().min(0),
    /** Seconds the conference has been running; 0 when it is not. */
    duration: z.int().min(0),
    is_locked: z.boolean(),
  })
  .meta({ id: "ConferenceFigures" });

const joinProfileView = z.looseObject({
  join_deaf: z.boolean(),
  join_muted: z.boolean(),
  numbers: z.array(z.string()),
  pins: z.array(z.string()),
});

/**
 * The stored document as parley answers it: the writable fields with their defaults applied, the
 * client's custom keys, and the `id`. A conference running without a document (ad-hoc) shows
 * Kazoo's default document, without a `name`.
 */
const conferenceFields = {
  id: z.string(),
  name: z.string().optional(),
  conference_numbers: z.array(z.string()),
  member: joinProfileView,
  moderator: joinProfileView,
  play_name: z.boolean(),
};

/** A conference read: the document, and under `_read_only` its figures and every participant. */
export const conferenceDetail = z
  .looseObject({
    ...conferenceFields,
    _read_only: conferenceFigures.extend({
      participants: z.array(participantView),
      /** Bulk participant actions only: the member ids the action was sent for. */
      affected_participants: z.array(z.int()).optional(),
    }),
  })
  .meta({ id: "Conference" });

/** A row of `GET /conferences`: the document, its figures at the top level and in `_read_only`. */
export const conferenceRow = z
  .looseObject({
    ...conferenceFields,
    ...conferenceFigures.omit({ moderators: true }).shape,
    _read_only: conferenceFigures,
  })
  .meta({ id: "ConferenceRow" });

/** A written document (create, replace, merge) and, with `_read_only.deleted`, a deleted one. */
export const conferenceWritten = z
  .looseObject({
    ...conferenceFields,
    name: z.string(),
    _read_only: z.strictObject({ deleted: z.literal(true) }).optional(),
  })
  .meta({ id: "ConferenceDocument" });

/** Keys a client may not write: Kazoo strips `_`-prefixed and `pvt_` keys before validation. */
export function isPrivateKey(key: string): boolean {
  return key.startsWith("_") || key.startsWith("pvt_");
}
