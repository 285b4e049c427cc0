import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCanonicalEvent } from "../protocol/event-fast-path";
import { conferenceEvent, normalizeKeys } from "../protocol/events";
import { currentFeedEvent, seedExampleEvent } from "./helpers/events";

/** A value of a field: usually canonical, sometimes what only the schema may judge. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ minLength: 250, maxLength: 1100 }),
  fc.constant(""),
  fc.boolean(),
  fc.constantFrom("true", "false", "25", "-3", "1e3"),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN),
  fc.constant(null),
  fc.constant([1, 2]),
  fc.dictionary(
    fc.constantFrom("speak", "hear", "member_id", "x"),
    fc.oneof(fc.boolean(), fc.integer(), fc.string()),
  ),
);

const fields = [
  "event",
  "conference_id",
  "call_id",
  "instance_id",
  "participant_id",
  "caller_id_name",
  "caller_id_number",
  "channel_presence_id",
  "focus",
  "msg_id",
  "account_id",
  "event_name",
  "custom_channel_vars",
  "conference_channel_vars",
  "is_moderator",
  "floor",
  "hear",
  "speak",
  "talking",
  "mute_detect",
  "video",
  "energy_level",
  "current_energy",
  "something_else",
];

/** Canonical values per field, so that many candidates pass the fast path whole. */
const canonical: Record<string, fc.Arbitrary<unknown>> = {
  event: fc.constantFrom("add-member", "mute-member", "start_talking", "X-1"),
  conference_id: fc.string({ minLength: 1, maxLength: 40 }),
  participant_id: fc.nat(),
  is_moderator: fc.boolean(),
  speak: fc.boolean(),
  energy_level: fc.integer(),
  conference_channel_vars: fc.record(
    { speak: fc.boolean(), member_id: fc.integer(), other: fc.string() },
    { requiredKeys: [] },
  ),
  custom_channel_vars: fc.dictionary(fc.string(), fc.string()),
  ...Object.fromEntries(
    ["call_id", "instance_id", "msg_id", "account_id"].map((f) => [
      f,
      fc.string({ minLength: 1, maxLength: 20 }),
    ]),
  ),
  ...Object.fromEntries(
    ["caller_id_name", "caller_id_number", "channel_presence_id", "focus", "event_name"].map(
      (f) => [f, fc.string({ maxLength: 20 })],
    ),
  ),
  ...Object.fromEntries(
    ["floor", "hear", "talking", "mute_detect", "video"].map((f) => [f, fc.boolean()]),
  ),
  current_energy: fc.integer(),
  something_else: fc.anything(),
};

const candidate = fc.record(
  Object.fromEntries(
    fields.map((field) => {
      const usual = canonical[field];
      return [field, usual ? fc.oneof({ arbitrary: usual, weight: 8 }, anyValue) : anyValue];
    }),
  ),
  { requiredKeys: ["event", "conference_id"] },
);

describe("the canonical-event fast path", () => {
  it("gives exactly what the schema gives, or leaves the event to the schema", () => {
    let taken = 0;
    fc.assert(
      fc.property(candidate, (value) => {
        const fast = parseCanonicalEvent(value);
        if (fast === undefined) {
          return;
        }
        taken += 1;
        const schema = conferenceEvent.safeParse(value);
        expect(schema.success).toBe(true);
        expect(fast).toStrictEqual(schema.data);
      }),
      { numRuns: 3000 },
    );
    // Enough candidates took the fast path for the comparison to mean something.
    expect(taken).toBeGreaterThan(50);
  });

  it("takes the events Kazoo sends, in both feeds, as they are", () => {
    const current = currentFeedEvent(
      "mute-member",
      { accountId: "a".repeat(32), conferenceId: "c".repeat(32), callId: "call-1" },
      { participantId: 3, speak: false },
    );
    const legacy = seedExampleEvent({
      accountId: "a".repeat(32),
      conferenceId: "c".repeat(32),
      callId: "call-2",
    });
    for (const body of [current.body, legacy]) {
      const normalized = normalizeKeys(body) as Record<string, unknown>;
      const candidate = {
        ...normalized,
        event: normalized.event ?? "add-member",
        conference_id: "c".repeat(32),
      };
      const fast = parseCanonicalEvent(candidate);
      expect(fast).toBeDefined();
      expect(fast).toStrictEqual(conferenceEvent.parse(candidate));
    }
  });

  it("leaves Kazoo's lenient forms and bad values to the schema", () => {
    const base = { event: "mute-member", conference_id: "room" };
    for (const odd of [
      { speak: "false" },
      { participant_id: "4" },
      { participant_id: -1 },
      { call_id: "" },
      { focus: null },
      { conference_channel_vars: { speak: "true" } },
      { custom_channel_vars: [1] },
      { event: "bad event" },
    ]) {
      expect(parseCanonicalEvent({ ...base, ...odd })).toBeUndefined();
    }
  });
});
