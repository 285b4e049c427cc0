/**
 * What the webhook scenarios (webhooks, burst) share: the receivers worker, and a "rig" per side
 * that turns Kazoo events published on a fresh topic exchange into signed deliveries to those
 * receivers: parley started as `npm start` starts it with one subscription per receiver, or the
 * bare sender consuming the same exchange. Both are fed and timed the same way
 * (webhook-measure.ts), so the only difference between the sides is what sits in between.
 */
import { rmSync } from "node:fs";
import { forkWorker, startParley, tempDir, type Worker, waitFor } from "../lib/process";
import {
  ACCOUNT_ID,
  brokerEnv,
  createAccount,
  dropTopology,
  feedEvent,
  publishAll,
  topology,
} from "../lib/setup";
import { type BodyTemplate, newSecret, parseTemplate } from "./webhook-body";

/** A participant whose mutes and unmutes make the webhooks. */
export interface Member {
  conference: string;
  callId: string;
}

/** What the receivers worker reports. */
export interface ReceiverStatus {
  received: number;
  unique: number;
  unverified: number;
  first: number;
  last: number;
}

/** The receivers worker (receivers.ts), one HTTP server per endpoint. */
export interface Receivers {
  urls: string[];
  setSecrets(secrets: string[]): Promise<void>;
  status(): Promise<ReceiverStatus>;
  /** Forgets what was received: a new phase. */
  reset(): Promise<void>;
  /** Arrival times of unique deliveries by "endpoint index|conference". */
  arrivals(): Promise<Record<string, number[]>>;
  sample(): Promise<string>;
  stop(): void;
}

/** One side's machinery: publish on `exchange`, deliveries land on `receivers`. */
export interface Rig {
  exchange: string;
  accountId: string;
  receivers: Receivers;
  /** Stops every process it started and drops its queues and files. */
  stop(): Promise<void>;
}

/** Forks the receivers worker with `count` endpoints. */
export async function openReceivers(count: number): Promise<Receivers> {
  const worker: Worker<unknown> = forkWorker("receivers.ts");
  const ask = async <T>(type: string, extra: Record<string, unknown> = {}, reply = type) => {
    const answer = worker.next<T>(reply);
    worker.send({ type, ...extra });
    return answer;
  };
  const { urls } = await ask<{ urls: string[] }>("listen", { count }, "listening").catch(
    (error: unknown) => {
      worker.stop();
      throw error;
    },
  );
  return {
    urls,
    setSecrets: async (secrets) => {
      await ask("secrets", { secrets });
    },
    status: () => ask<ReceiverStatus>("status"),
    reset: async () => {
      await ask("reset");
    },
    arrivals: async () => (await ask<{ arrivals: Record<string, number[]> }>("arrivals")).arrivals,
    sample: async () => (await ask<{ body: string }>("sample")).body,
    stop: () => worker.stop(),
  };
}

/** PUTs one subscription per URL; the secrets, or undefined when parley refused the body. */
async function subscribe(
  url: string,
  account: { id: string; token: string },
  targets: string[],
  extra: Record<string, unknown>,
): Promise<string[] | undefined> {
  const secrets: string[] = [];
  for (const [i, target] of targets.entries()) {
    const res = await fetch(`${url}/v2/accounts/${account.id}/webhooks`, {
      method: "PUT",
      headers: { "X-Auth-Token": account.token },
      body: JSON.stringify({
        data: {
          name: `r${i}`,
          url: target,
          event_types: ["meeting.participantMuted", "meeting.participantUnmuted"],
          ...extra,
        },
      }),
    });
    const text = await res.text();
    const view = res.ok ? (JSON.parse(text) as { data: Record<string, unknown> }).data : {};
    // A field parley does not know is dropped silently: make sure it took each one.
    const ignored = Object.entries(extra).filter(([key, value]) => view[key] !== value);
    if (!res.ok || ignored.length > 0) {
      process.stderr.write(
        `bench: parley refused webhook option ${JSON.stringify(extra)} (${res.status}${
          ignored.length > 0 ? ", not in the answer" : ""
        }): ${text.slice(0, 300)}\n`,
      );
      return undefined;
    }
    secrets.push(String(view.secret));
  }
  return secrets;
}

/**
 * parley with `endpoints` subscriptions (each with `subscription`'s extra fields) and `members`
 * in their conferences; undefined (everything stopped) when parley refuses the subscription.
 */
export async function parleyRig(options: {
  label: string;
  endpoints: number;
  members: Member[];
  env?: Record<string, string>;
  subscription?: Record<string, unknown>;
}): Promise<Rig | undefined> {
  const names = topology();
  const dir = tempDir(options.label);
  const parley = await startParley(
    brokerEnv(names, `${dir}/parley.db`, {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
      ...options.env,
    }),
  );
  let receivers: Receivers | undefined;
  const stop = async () => {
    await parley.stop();
    receivers?.stop();
    await dropTopology(names);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    receivers = await openReceivers(options.endpoints);
    const account = await createAccount(parley.url, ACCOUNT_ID);
    const secrets = await subscribe(
      parley.url,
      account,
      receivers.urls,
      options.subscription ?? {},
    );
    if (!secrets) {
      await stop();
      return undefined;
    }
    await receivers.setSecrets(secrets);
    await publishAll(
      names.exchange,
      options.members.map((m) => feedEvent("add-member", account.id, m.conference, m.callId, 1)),
    );
    // Events are applied in order: the last conference's participant means every one is in.
    const last = options.members.at(-1)?.conference ?? "";
    await waitFor(
      async () => {
        const res = await fetch(`${parley.url}/v2/accounts/${account.id}/conferences/${last}`, {
          headers: { "X-Auth-Token": account.token },
        });
        const body = (await res.json()) as { data?: { _read_only?: { members?: number } } };
        return (body.data?._read_only?.members ?? 0) >= 1;
      },
      60_000,
      "the participants to join",
    );
    return { exchange: names.exchange, accountId: account.id, receivers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The bare sender (bare-sender.ts) consuming its own queue on a fresh exchange. */
export async function bareRig(options: {
  endpoints: number;
  template: BodyTemplate;
}): Promise<Rig> {
  const names = topology();
  const secrets = Array.from({ length: options.endpoints }, newSecret);
  const receivers = await openReceivers(options.endpoints);
  const sender = forkWorker("bare-sender.ts");
  const stop = async () => {
    sender.send({ type: "stop" });
    const stopped = await Promise.race([
      sender.next<{ posted: number; failed: number }>("stopped"),
      new Promise<undefined>((done) => setTimeout(() => done(undefined), 10_000)),
    ]).catch(() => undefined);
    if (stopped && stopped.failed > 0) {
      process.stderr.write(`bench: the bare sender had ${stopped.failed} failed posts\n`);
    }
    sender.stop();
    receivers.stop();
    await dropTopology(names);
  };
  try {
    await receivers.setSecrets(secrets);
    sender.send({
      type: "start",
      exchange: names.exchange,
      queue: names.queue,
      // parley's ingest prefetch (server/amqp/rabbitmq.ts).
      prefetch: 500,
      urls: receivers.urls,
      secrets,
      template: options.template,
      inFlight: 64,
    });
    await sender.next("ready");
  } catch (error) {
    await stop();
    throw error;
  }
  return { exchange: names.exchange, accountId: ACCOUNT_ID, receivers, stop };
}

let captured: Promise<BodyTemplate> | undefined;

/**
 * A body parley really sends for a mute (captured once per process), so the bare sender's
 * bodies keep the shape and size of parley's as its payloads change.
 */
export function captureTemplate(): Promise<BodyTemplate> {
  captured ??= (async () => {
    const member = { conference: "capture0", callId: "call-0" };
    const rig = await parleyRig({ label: "webhook-capture", endpoints: 1, members: [member] });
    if (!rig) {
      throw new Error("parley refused a plain webhook subscription");
    }
    try {
      await publishAll(rig.exchange, [
        feedEvent("mute-member", rig.accountId, member.conference, member.callId, 1),
      ]);
      await waitFor(async () => (await rig.receivers.status()).unique >= 1, 30_000, "a webhook");
      return parseTemplate(await rig.receivers.sample());
    } finally {
      await rig.stop();
    }
  })();
  return captured;
}
