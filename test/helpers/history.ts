/**
 * Helpers for the conference history tests: parley on the real RabbitMQ with a clock the test
 * moves, a media-server stand-in that publishes each call's state as Kazoo does and waits until
 * parley applied each event (its frame arrived on `/ws`), the bounds within which parley stamped
 * each event, and a reader for the history routes.
 *
 * Why bounds: the test clock is real time plus what the test advanced, and parley stamps an event
 * with its clock when it takes it off the queue. Read before publishing and after the event's
 * frame arrived, the clock brackets that stamp; an interval between two events then lies between
 * the earliest and the latest the two stamps allow: the advances exactly, plus at most the real
 * time the two round trips took.
 */
import { expect } from "vitest";
import type { ParleyServer } from "../../server/create-server";
import {
  type ApiClient,
  type ApiResponse,
  apiClient,
  createAccount,
  createConference,
  type Json,
  type TestAccount,
} from "./api";
import type { BrokerProbe, Topology } from "./broker";
import { currentFeedEvent, hexId, type MemberState } from "./events";
import { startBrokerServerWith, testClock } from "./meetings";
import { connectWs, type TestSocket } from "./ws-client";

export type Clock = ReturnType<typeof testClock>;

/**
 * A clock that stands still unless the test advances it (`testClock`'s shape). parley stamps every
 * event it takes in one batch with one time, so events that arrive together share a millisecond;
 * with this clock they always do.
 */
export function stoppedClock(): Clock {
  const start = Date.now();
  const clock = {
    offsetMs: 0,
    now: () => start + clock.offsetMs,
    advance(ms: number) {
      clock.offsetMs += ms;
    },
  };
  return clock;
}

/** When parley stamped an event: not before `lo`, not after `hi` (test clock, ms). */
export interface Stamp {
  lo: number;
  hi: number;
  /** The event's `seq`, from its frame. */
  seq: number;
}

/** parley on RabbitMQ on `clock` (a fresh one unless given), with its own topology unless given. */
export async function startHistoryServer(
  options: { clock?: Clock; topology?: Topology; env?: Record<string, string> } = {},
) {
  const clock = options.clock ?? testClock();
  const started = await startBrokerServerWith(
    options.env ?? {},
    { now: clock.now },
    options.topology,
  );
  return { ...started, clock, api: apiClient(started.server) };
}

/**
 * The account-wide `/ws` feed of `account` (from `resumeFrom` on when given, as a client back
 * from a restart subscribes): every frame.
 */
export async function accountFeed(server: ParleyServer, account: TestAccount, resumeFrom?: number) {
  const ws = await connectWs(server);
  const reply = await ws.request({
    action: "subscribe",
    auth_token: account.token,
    data: {
      account_id: account.id,
      binding: "conference.event.*.*",
      ...(resumeFrom === undefined ? {} : { resume_from: resumeFrom }),
    },
  });
  expect(reply.status).toBe("success");
  return ws;
}

/** The `seq` of the event whose `msg_id` is `msgId`, once its frame arrived on `ws`. */
export async function seqOf(ws: TestSocket, msgId: string): Promise<number> {
  const [frame] = await ws.events(1, (f) => f.data.msg_id === msgId);
  return frame.seq;
}

/** Each event's effect on the member's state (Kazoo sends the state after the event). */
const effects: Record<string, Partial<MemberState>> = {
  "mute-member": { speak: false },
  "unmute-member": { speak: true },
  "deaf-member": { hear: false },
  "undeaf-member": { hear: true },
  "start-talking": { talking: true },
  "stop-talking": { talking: false },
};

/**
 * Publishes conference events on the test's exchange as a media server would, and waits for each
 * to be applied before it returns the event's stamp. `feed` is the `/ws` feed it waits on (replace
 * it after a restart).
 */
export class MediaServer {
  feed: TestSocket;
  /** The `msg_id` of every event published, in order. */
  readonly published: string[] = [];
  readonly #probe: BrokerProbe;
  readonly #clock: Clock;
  readonly #accountId: string;

  constructor(probe: BrokerProbe, clock: Clock, accountId: string, feed: TestSocket) {
    this.#probe = probe;
    this.#clock = clock;
    this.#accountId = accountId;
    this.feed = feed;
  }

  /** Publishes one event and returns without waiting; the `msg_id` to wait for. */
  publish(
    event: string,
    conferenceId: string,
    call?: { callId: string; state: MemberState; body?: Record<string, unknown> },
  ): string {
    const msgId = hexId(8);
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId: this.#accountId, conferenceId, msgId, ...(call ? { callId: call.callId } : {}) },
      call?.state,
    );
    this.#probe.publish(routingKey, { ...body, ...call?.body });
    this.published.push(msgId);
    return msgId;
  }

  /** Publishes one event and waits until parley applied it. */
  async send(
    event: string,
    conferenceId: string,
    call?: { callId: string; state: MemberState; body?: Record<string, unknown> },
  ): Promise<Stamp> {
    const lo = this.#clock.now();
    const seq = await seqOf(this.feed, this.publish(event, conferenceId, call));
    return { lo, hi: this.#clock.now(), seq };
  }

  /** A call in `conferenceId` (not joined yet). */
  call(
    conferenceId: string,
    callId: string,
    state: MemberState,
    body: Record<string, unknown> = {},
  ): Call {
    return new Call(this, conferenceId, callId, { ...state }, body);
  }

  /** `conference-destroy`: the media server tears the conference down. */
  destroy(conferenceId: string): Promise<Stamp> {
    return this.send("conference-destroy", conferenceId);
  }
}

/** One call: each event carries its state after the event, as Kazoo's do. */
export class Call {
  constructor(
    readonly media: MediaServer,
    readonly conferenceId: string,
    readonly callId: string,
    readonly state: MemberState,
    readonly body: Record<string, unknown>,
  ) {}

  /** Sends `event` (`add-member`, `mute-member`, …) and waits until parley applied it. */
  send(event: string): Promise<Stamp> {
    Object.assign(this.state, effects[event] ?? {});
    return this.media.send(event, this.conferenceId, this);
  }

  /** Publishes `event` without waiting; the `msg_id` to wait for. */
  publish(event: string): string {
    Object.assign(this.state, effects[event] ?? {});
    return this.media.publish(event, this.conferenceId, this);
  }

  join(): Promise<Stamp> {
    return this.send("add-member");
  }

  leave(): Promise<Stamp> {
    return this.send("del-member");
  }
}

/**
 * A history test's world: parley on RabbitMQ on a movable clock, an account with a stored
 * conference ("Sales Weekly"), the account's `/ws` feed, a media server publishing on the broker,
 * and the account's history reader.
 */
export async function historyRig(
  options: { clock?: Clock; topology?: Topology; env?: Record<string, string> } = {},
) {
  const rig = await startHistoryServer(options);
  const account = await createAccount(rig.api);
  const conferenceId = await createConference(rig.api, account, { name: "Sales Weekly" });
  const feed = await accountFeed(rig.server, account);
  const media = new MediaServer(rig.probe, rig.clock, account.id, feed);
  const history = historyReader(rig.api, account.id, account.token);
  return { ...rig, account, conferenceId, feed, media, history };
}

/** The test clock around `action`: what parley read during it lies within. */
export async function bracket<T>(clock: Clock, action: () => Promise<T>) {
  const lo = clock.now();
  const value = await action();
  return { value, lo, hi: clock.now() };
}

type Bounds = { lo: number; hi: number };

/**
 * Asserts that `seconds` (a figure to the millisecond) is the sum of the intervals `spans`, each
 * from one stamp to another: between the shortest and the longest the stamps allow.
 */
export function expectSpans(
  seconds: number,
  spans: ReadonlyArray<readonly [Bounds, Bounds]>,
  label: string,
): void {
  const ms = Math.round(seconds * 1000);
  const least = spans.reduce((sum, [from, to]) => sum + (to.lo - from.hi), 0);
  const most = spans.reduce((sum, [from, to]) => sum + (to.hi - from.lo), 0);
  expect(ms, `${label}: ${ms} ms not in [${least}, ${most}]`).toBeGreaterThanOrEqual(least);
  expect(ms, `${label}: ${ms} ms not in [${least}, ${most}]`).toBeLessThanOrEqual(most);
}

/** Asserts that `seconds` is the interval from one stamp to another (see `expectSpans`). */
export function expectSpan(seconds: number, from: Bounds, to: Bounds, label: string): void {
  expectSpans(seconds, [[from, to]], label);
}

/** Asserts that an ISO time parley reported lies within `bounds`. */
export function expectTimeWithin(iso: string, bounds: Bounds, label: string): void {
  const at = Date.parse(iso);
  expect(at, `${label}: ${iso}`).toBeGreaterThanOrEqual(bounds.lo);
  expect(at, `${label}: ${iso}`).toBeLessThanOrEqual(bounds.hi);
}

/** Asserts a whole-seconds duration from `from` to `to`, each known within its bounds. */
export function expectWholeSeconds(seconds: number, from: Bounds, to: Bounds, label: string): void {
  expect(seconds, label).toBeGreaterThanOrEqual(Math.floor((to.lo - from.hi) / 1000));
  expect(seconds, label).toBeLessThanOrEqual(Math.floor((to.hi - from.lo) / 1000));
}

/** The history routes of one account, account-wide or under a conference. */
export function historyReader(api: ApiClient, accountId: string, token: string) {
  const base = (conferenceId?: string) =>
    conferenceId === undefined
      ? `/v2/accounts/${accountId}`
      : `/v2/accounts/${accountId}/conferences/${conferenceId}`;
  const query = (params: Record<string, string | number> = {}) => {
    const search = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    return search ? `?${search}` : "";
  };
  return {
    list: (
      params: Record<string, string | number> = {},
      conferenceId?: string,
      headers?: Record<string, string>,
    ): Promise<ApiResponse<Json>> =>
      api.get(`${base(conferenceId)}/sessions${query(params)}`, {
        token,
        ...(headers ? { headers } : {}),
      }),
    one: (
      sessionId: string,
      conferenceId?: string,
      headers?: Record<string, string>,
    ): Promise<ApiResponse<Json>> =>
      api.get(`${base(conferenceId)}/sessions/${sessionId}`, {
        token,
        ...(headers ? { headers } : {}),
      }),
    events: (
      sessionId: string,
      params: Record<string, string | number> = {},
      conferenceId?: string,
    ): Promise<ApiResponse<Json>> =>
      api.get(`${base(conferenceId)}/sessions/${sessionId}/events${query(params)}`, { token }),
  };
}

export type HistoryReader = ReturnType<typeof historyReader>;

/** The one session of `conferenceId` (fails unless there is exactly one), as the list shows it. */
export async function onlySession(history: HistoryReader, conferenceId: string): Promise<Json> {
  const res = await history.list({}, conferenceId);
  expect(res.status).toBe(200);
  expect(res.body.data).toHaveLength(1);
  return res.body.data[0];
}

/** One session with its participants, read through the account-wide route; fails unless 200. */
export async function sessionDetail(history: HistoryReader, sessionId: string): Promise<Json> {
  const res = await history.one(sessionId);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

/** The one session of `conferenceId` with its participants. */
export async function onlySessionDetail(history: HistoryReader, conferenceId: string) {
  return sessionDetail(history, (await onlySession(history, conferenceId)).id);
}

/** Each participant's `left_reason`, by call id. */
export function leaveReasons(session: Json): Record<string, string | null> {
  return Object.fromEntries(
    (session.participants as Json[]).map((p) => [p.call_id, p.left_reason]),
  );
}

/**
 * Kicks through parley's API (`PUT …/participants/{id}`, or everyone on `…/participants`) and
 * waits until the `kick` command reached the media server's side of the broker.
 */
export async function kickThroughApi(
  rig: { api: ApiClient; account: TestAccount; conferenceId: string; probe: BrokerProbe },
  participantId?: number,
): Promise<void> {
  const { api, account, conferenceId, probe } = rig;
  const path = `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`;
  const kicks = () => probe.commands.filter((c) => c.body["Application-Name"] === "kick").length;
  const before = kicks();
  const res = await api.put(participantId === undefined ? path : `${path}/${participantId}`, {
    token: account.token,
    body: { data: { action: "kick" } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await expect.poll(kicks).toBeGreaterThan(before);
}

/** A session's participant by call id. */
export function participantOf(session: Json, callId: string): Json {
  const found = (session.participants as Json[]).find((p) => p.call_id === callId);
  expect(found, `participant ${callId}`).toBeDefined();
  return found;
}
