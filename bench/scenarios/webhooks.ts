/**
 * webhooks: Kazoo mute/unmute events fanned out as signed webhooks to 10 local keep-alive
 * receivers that verify every signature. Two phases per side: a drain (deliveries/s, first
 * publish → last verified delivery) and a steady rate at half of parley's measured capacity
 * (publish → delivery p50/p99). Baseline: a bare sender fed by the same RabbitMQ exchange,
 * rendering, signing and posting the same bodies with 64 requests in flight and no store, so
 * both sides are timed from the same publish to the same receivers.
 */
import type { Comparison, Figure, Sample, Scenario } from "../lib/scenario";
import { ACCOUNT_ID } from "../lib/setup";
import { drain, steady, toggles } from "../load/webhook-measure";
import { bareRig, captureTemplate, type Member, parleyRig } from "../load/webhook-rig";

const ENDPOINTS = 10;
const CONFERENCES = 200;
const SIDES = ["parley:full", "parley:normal", "bare"] as const;

function figuresFor(deliveries: number): Figure[] {
  const figures: Figure[] = [];
  for (const sync of ["full", "normal"] as const) {
    const side = `parley:${sync}`;
    const of = (key: string) => ({
      parley: { side, key },
      baseline: { side: "bare", key },
    });
    figures.push(
      {
        ...of("rate"),
        label: `${deliveries.toLocaleString("en-US")} signed deliveries to ${ENDPOINTS} receivers, PARLEY_DB_SYNC=${sync}`,
        unit: "/s",
        target: "≥ 0.5 × bare",
        met: (_p, _b, ratio) => ratio !== null && ratio >= 0.5,
      },
      {
        ...of("missing"),
        label: `missing deliveries, PARLEY_DB_SYNC=${sync}`,
        unit: "",
        lowerIsBetter: true,
        target: "0",
        met: (p) => p === 0,
      },
      {
        ...of("unverified"),
        label: `unverified deliveries, PARLEY_DB_SYNC=${sync}`,
        unit: "",
        lowerIsBetter: true,
        target: "0",
        met: (p) => p === 0,
      },
      {
        ...of("p50"),
        label: `event → delivery p50 at half capacity, PARLEY_DB_SYNC=${sync}`,
        unit: "ms",
        lowerIsBetter: true,
      },
      {
        ...of("p99"),
        label: `event → delivery p99 at half capacity, PARLEY_DB_SYNC=${sync}`,
        unit: "ms",
        lowerIsBetter: true,
        target: "≤ 50 ms",
        met: (p) => p <= 50,
      },
    );
  }
  figures.push({
    parley: { side: "parley:full", key: "offered" },
    label: "half capacity: events/s offered to every side (½ × parley:full's deliveries/s ÷ 10)",
    unit: "ev/s",
  });
  return figures;
}

/** The webhooks scenario: throughput and latency of signed delivery against a bare sender. */
export const webhooks: Scenario = {
  name: "webhooks",
  describe:
    "10 endpoints on mute/unmute, 10,000 Kazoo events (100,000 signed deliveries to 10 receivers verifying every signature with standardwebhooks): deliveries/s first publish → last verified delivery, missing, unverified; then ~8 s of events at half of parley:full's rate of the same repetition: publish → delivery p50/p99. Baseline: a bare amqplib consumer of the same exchange (prefetch 500) rendering, signing and posting the same bodies, 64 in flight, acking after the answers. Targets: ≥ 0.5 × bare, 0 missing/unverified, p99 ≤ 50 ms.",
  async prepare(quick: boolean): Promise<Comparison[]> {
    const template = await captureTemplate();
    const events = quick ? 1000 : 10_000;
    const seconds = quick ? 2 : 8;
    const members: Member[] = Array.from({ length: CONFERENCES }, (_, i) => ({
      conference: `wh${i}`,
      callId: `call-${i}`,
    }));
    const burst = toggles(members, events, ACCOUNT_ID);
    // The steady phase's rate per repetition: half of what parley:full delivered in its drain.
    const offered = new Map<number, number>();

    const run = async (side: string, repetition: number): Promise<Sample> => {
      const rig =
        side === "bare"
          ? await bareRig({ endpoints: ENDPOINTS, template })
          : await parleyRig({
              label: `webhooks-${side.slice(7)}`,
              endpoints: ENDPOINTS,
              members,
              env: { PARLEY_DB_SYNC: side.slice(7) },
            });
      if (!rig) {
        throw new Error(`${side}: parley refused the subscriptions`);
      }
      try {
        const drained = await drain(rig, burst, events * ENDPOINTS);
        if (side === "parley:full") {
          offered.set(repetition, (0.5 * drained.rate) / ENDPOINTS);
        }
        // A side run without parley:full before it (a partial run) falls back on its own drain.
        const rate =
          offered.get(repetition) ??
          [...offered.values()].at(-1) ??
          (0.5 * drained.rate) / ENDPOINTS;
        const timed = await steady(rig, {
          members,
          endpoints: ENDPOINTS,
          firstToggle: events / CONFERENCES,
          rate,
          seconds,
        });
        return {
          rate: drained.rate,
          seconds: drained.seconds,
          missing: drained.missing + timed.missing,
          unverified: drained.unverified + timed.unverified,
          duplicates: drained.duplicates,
          offered: rate,
          p50: timed.p50,
          p99: timed.p99,
        };
      } finally {
        await rig.stop();
      }
    };
    return [{ sides: [...SIDES], run, figures: figuresFor(events * ENDPOINTS) }];
  },
};
