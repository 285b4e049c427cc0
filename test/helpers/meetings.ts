/**
 * Helpers for the Meetings API tests (seed 002): user tokens (`PUT /v2/api_auth` with a
 * `user_id`), a client that authenticates with `CB-Token`, meeting bodies, a JSON shape
 * comparator, and a RabbitMQ-backed server whose clock a test can move.
 */
import { vi } from "vitest";
import type { ParleyServer, ServerOverrides } from "../../server/create-server";
import type { ApiClient, ApiResponse, Json, TestAccount } from "./api";
import { AMQP_URL, type BrokerProbe, brokerProbe, newTopology, type Topology } from "./broker";
import { startServer } from "./server";

/** 24 lower-case hex digits: ConnectyCube's ObjectId shape. */
export const OBJECT_ID = /^[0-9a-f]{24}$/;
/** ISO 8601 with milliseconds, as the meeting model's `created_at`/`updated_at`. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO 8601 to the second, as the recording model's dates in seed 002. */
export const ISO_S = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Seed 001's expiry and start times: `2022-12-13 07:08:39.051621Z`. */
export const SEED_001_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Exchanges an account's API key for a token acting as ConnectyCube user `userId`. */
export async function userToken(
  api: ApiClient,
  account: TestAccount,
  userId: number | string,
): Promise<string> {
  const res = await api.put("/v2/api_auth", {
    body: { data: { api_key: account.apiKey, user_id: userId } },
  });
  if (res.status !== 201) {
    throw new Error(`api_auth failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body.auth_token;
}

/** A client for `/meetings` that sends the token in `CB-Token`, as ConnectyCube's SDK does. */
export function meetingsClient(api: ApiClient) {
  const call =
    (method: string) =>
    (path: string, token: string | undefined, body?: unknown): Promise<ApiResponse<Json>> =>
      api.request(method, path, {
        ...(token ? { headers: { "CB-Token": token } } : {}),
        ...(body === undefined ? {} : { body }),
      });
  return {
    get: call("GET"),
    post: call("POST"),
    put: call("PUT"),
    delete: call("DELETE"),
  };
}

export type MeetingsClient = ReturnType<typeof meetingsClient>;

/** A valid meeting body, overridable per field. */
export function meetingBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Weekly sync",
    start_date: 1_900_000_000,
    end_date: 1_900_003_600,
    attendees: [{ id: 245, email: "email1@domen.com" }, { id: 343 }],
    ...overrides,
  };
}

/** `POST /meetings`; fails the test on anything but 201; returns the model. */
export async function createMeeting(
  meetings: MeetingsClient,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<Json> {
  const res = await meetings.post("/meetings", token, meetingBody(overrides));
  if (res.status !== 201) {
    throw new Error(`meeting create failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

/** The keys and value types of a JSON value, recursively: compares shapes, not values. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(shapeOf);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return value === null ? "null" : typeof value;
}

/** Sorted keys of an object. */
export function keysOf(value: unknown): string[] {
  return Object.keys(value as object).sort();
}

/** A clock a test moves: Unix ms, real time plus `offsetMs`. */
export function testClock() {
  const clock = {
    offsetMs: 0,
    now: () => Date.now() + clock.offsetMs,
    advance(ms: number) {
      clock.offsetMs += ms;
    },
  };
  return clock;
}

/**
 * Like `startBrokerServer`, but with server overrides (a movable clock): parley on RabbitMQ with
 * its own topology, ready before it returns.
 */
export async function startBrokerServerWith(
  env: Record<string, string>,
  overrides: ServerOverrides = {},
  topology: Topology = newTopology(),
): Promise<{ server: ParleyServer; topology: Topology; probe: BrokerProbe }> {
  const probe = await brokerProbe(topology);
  const server = await startServer(
    {
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
      ...env,
    },
    overrides,
  );
  await vi.waitFor(
    async () => {
      const res = await fetch(`${server.url}/readyz`);
      if (res.status !== 200) {
        throw new Error(`parley not ready on ${AMQP_URL}: ${await res.text()}`);
      }
    },
    { timeout: 10_000, interval: 20 },
  );
  return { server, topology, probe };
}

/** Seed 001's `meeting` object keys (as in `recording.statusUpdate`, `endedAt` included). */
export const SEED_001_MEETING_KEYS = [
  "createdAt",
  "endedAt",
  "id",
  "organizedBy",
  "sessionId",
  "startedAt",
  "status",
  "title",
].sort();
