/**
 * A conference participant as the API shows it (seed 003's fields, plus Kazoo's nested
 * `conference_channel_vars`), in `_read_only.participants` and on the participant routes.
 * @module
 */
import { z } from "zod";

/** Both of Kazoo's shapes at once: seed 003's flat keys and the code's channel vars. */
export const participantView = z
  .strictObject({
    call_id: z.string(),
    caller_id_name: z.string(),
    caller_id_number: z.string(),
    /** The conference id (Kazoo names the FreeSWITCH conference after it). */
    conference_name: z.string(),
    /** The media server's instance of the conference, or "". */
    conference_uuid: z.string(),
    switch_hostname: z.string(),
    floor: z.boolean(),
    hear: z.boolean(),
    speak: z.boolean(),
    talking: z.boolean(),
    mute_detect: z.boolean(),
    /** The member id: what `/participants/{P}` takes (the call id works too). */
    participant_id: z.int(),
    energy_level: z.int(),
    current_energy: z.int(),
    video: z.boolean(),
    is_moderator: z.boolean(),
    /** Gregorian seconds, as Kazoo counts time. */
    join_time: z.int(),
    /** Seconds since the participant joined. */
    duration: z.int().min(0),
    custom_channel_vars: z.record(z.string(), z.unknown()),
    custom_application_vars: z.record(z.string(), z.unknown()),
    conference_channel_vars: z.looseObject({
      is_moderator: z.boolean(),
      floor: z.boolean(),
      video: z.boolean(),
      speak: z.boolean(),
      hear: z.boolean(),
      talking: z.boolean(),
      mute_detect: z.boolean(),
      energy_level: z.int(),
      current_energy: z.int(),
      member_id: z.int(),
    }),
  })
  .meta({ id: "Participant" });
