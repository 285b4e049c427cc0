/**
 * The conference document of seed 003 (Kazoo's Conferences API): every parameter with the seed's
 * type, range and default. Unknown keys are kept, as Kazoo keeps them (`ui_metadata`, …).
 * @module
 */
import { z } from "zod";
import { lenientBoolean, lenientInt, uniqueItems } from "./lenient";

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

/** Keys a client may not write: Kazoo strips `_`-prefixed and `pvt_` keys before validation. */
export function isPrivateKey(key: string): boolean {
  return key.startsWith("_") || key.startsWith("pvt_");
}
