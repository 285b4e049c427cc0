/**
 * burst: one conference sends a burst of mute/unmute events, (a) 10,000 to one endpoint and
 * (b) 2,000 to each of 10 endpoints; deliveries/s from first publish to last verified delivery,
 * and for (a) how the drain time grows with the backlog (10,000 against 5,000 events). parley is
 * measured with strict per-conference order (the default, one delivery of the conference at a
 * time per endpoint) and with `ordered: false`; the baseline is the bare RabbitMQ-fed sender
 * posting the same bodies to the same receivers, unordered, 64 in flight.
 */
import type { Comparison, Figure, Sample, Scenario } from "../lib/scenario";
import { ACCOUNT_ID } from "../lib/setup";
import { type Drain, drain, toggles } from "../load/webhook-measure";
import { bareRig, captureTemplate, type Member, parleyRig } from "../load/webhook-rig";

const SIDES = ["parley:ordered", "parley:unordered", "bare"];
const MEMBER: Member = { conference: "burst0", callId: "call-0" };
const count = (n: number) => n.toLocaleString("en-US");

/** One drain of `events` toggles of one conference to `endpoints` endpoints; undefined: skipped. */
async function burst(
  side: string,
  endpoints: number,
  events: number,
  template: Awaited<ReturnType<typeof captureTemplate>>,
): Promise<Drain | undefined> {
  const rig =
    side === "bare"
      ? await bareRig({ endpoints, template })
      : await parleyRig({
          label: `burst-${side.slice(7)}`,
          endpoints,
          members: [MEMBER],
          subscription: side === "parley:unordered" ? { ordered: false } : {},
        });
  if (!rig) {
    process.stderr.write(`bench: burst: ${side} skipped (the server does not take the option)\n`);
    return undefined;
  }
  try {
    return await drain(rig, toggles([MEMBER], events, ACCOUNT_ID), events * endpoints);
  } finally {
    await rig.stop();
  }
}

const lost = (...drains: Drain[]) => drains.reduce((n, d) => n + d.missing + d.unverified, 0);

/** Figures of one comparison: deliveries/s and lost deliveries for each way parley orders. */
function figures(label: string, extra: (side: string, way: string) => Figure[]): Figure[] {
  return ["ordered", "unordered"].flatMap((way) => {
    const side = `parley:${way}`;
    return [
      {
        parley: { side, key: "rate" },
        baseline: { side: "bare", key: "rate" },
        label: `${label}, ${way === "ordered" ? "ordered (default)" : "ordered: false"}`,
        unit: "/s",
        target: "≥ 0.5 × bare",
        met: (_p: number, _b: number | null, ratio: number | null) =>
          ratio !== null && ratio >= 0.5,
      },
      ...extra(side, way),
      {
        parley: { side, key: "lost" },
        baseline: { side: "bare", key: "lost" },
        label: `missing or unverified deliveries, ${way}`,
        unit: "",
        lowerIsBetter: true,
        target: "0",
        met: (p: number) => p === 0,
      },
    ];
  });
}

/** The burst scenario: one conference's backlog drained to one and to ten endpoints. */
export const webhookBurst: Scenario = {
  name: "burst",
  describe:
    "A burst in one conference: (a) 10,000 mute/unmute events to 1 endpoint (and 5,000, for the drain-time ratio), (b) 2,000 events to each of 10 endpoints (20,000 deliveries); deliveries/s first publish → last verified delivery, parley with strict per-conference order (default) and with `ordered: false`. Baseline: the bare sender fed by the same exchange, same bodies and receivers, unordered, 64 in flight. Targets: ≥ 0.5 × bare; time(10,000) ÷ time(5,000) ≤ 2.3 (linear).",
  async prepare(quick: boolean): Promise<Comparison[]> {
    const template = await captureTemplate();
    const single = quick ? 1000 : 10_000;
    const perEndpoint = quick ? 200 : 2000;

    const oneEndpoint: Comparison = {
      sides: [...SIDES],
      async run(side): Promise<Sample> {
        const full = await burst(side, 1, single, template);
        const half = full && (await burst(side, 1, single / 2, template));
        if (!full || !half) {
          return {};
        }
        return {
          rate: full.rate,
          seconds: full.seconds,
          halfSeconds: half.seconds,
          linearity: full.seconds / half.seconds,
          lost: lost(full, half),
          duplicates: full.duplicates + half.duplicates,
        };
      },
      figures: figures(`${count(single)} events of one conference → 1 endpoint`, (side, way) => [
        {
          parley: { side, key: "linearity" },
          baseline: { side: "bare", key: "linearity" },
          label: `drain time ${count(single)} ÷ ${count(single / 2)} events, ${way}`,
          unit: "×",
          lowerIsBetter: true,
          target: "≈ 2, linear (≤ 2.3)",
          met: (p) => p <= 2.3,
        },
      ]),
    };

    const tenEndpoints: Comparison = {
      sides: [...SIDES],
      async run(side): Promise<Sample> {
        const result = await burst(side, 10, perEndpoint, template);
        if (!result) {
          return {};
        }
        return {
          rate: result.rate,
          seconds: result.seconds,
          lost: lost(result),
          duplicates: result.duplicates,
        };
      },
      figures: figures(
        `${count(perEndpoint)} events of one conference → 10 endpoints (${count(perEndpoint * 10)} deliveries)`,
        () => [],
      ),
    };
    return [oneEndpoint, tenEndpoints];
  },
};
