/**
 * The conference event tables both ends share: which events concern the conference itself and
 * which participant flag each event sets. Plain data with no imports, because the browser
 * dashboard bundles this module as it is (importing zod here would put all of zod in the page).
 * @module
 */

/** Events about the conference itself rather than one call. */
export const conferenceLevelEvents: ReadonlySet<string> = new Set([
  "conference-create",
  "conference-destroy",
  "lock",
  "unlock",
]);

/** The flags an event name can force: the ones that change during a call. */
export const forcedFlags = ["talking", "speak", "hear"] as const;
export type ForcedFlag = (typeof forcedFlags)[number];

/** The flag each event name sets, whatever the state fields say (`mute-member` → not speaking). */
export const flagsForcedBy: Readonly<Record<string, Partial<Record<ForcedFlag, boolean>>>> = {
  "start-talking": { talking: true },
  "stop-talking": { talking: false },
  "mute-member": { speak: false },
  "unmute-member": { speak: true },
  "deaf-member": { hear: false },
  "undeaf-member": { hear: true },
};

/** A participant's boolean state fields. */
export const participantFlags = [
  "is_moderator",
  "floor",
  "hear",
  "speak",
  "talking",
  "mute_detect",
  "video",
] as const;

/** What a participant's flags are when nothing says otherwise (FreeSWITCH's defaults). */
export const participantFlagDefaults: Readonly<Record<(typeof participantFlags)[number], boolean>> =
  {
    is_moderator: false,
    floor: false,
    hear: true,
    speak: true,
    talking: false,
    mute_detect: false,
    video: false,
  };
