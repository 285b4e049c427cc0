/**
 * Helpers for tests that drive live conferences over the embedded bus: capture the commands
 * parley publishes, put participants into a conference, and check Kazoo's error envelope.
 */
import { expect } from "vitest";
import type { MemoryBus, PublishedCommand } from "../../server/amqp/memory-bus";
import type { ParleyServer } from "../../server/create-server";
import type { ApiClient, Json, TestAccount } from "./api";
import { currentFeedEvent, type MemberState } from "./events";

/** The embedded bus of a test server (every test server runs on it). */
export function embeddedBus(server: ParleyServer): MemoryBus {
  if (!server.memoryBus) {
    throw new Error("test server should run on the embedded bus");
  }
  return server.memoryBus;
}

/** Records every command parley publishes from now on. */
export function captureCommands(bus: MemoryBus): PublishedCommand[] {
  const seen: PublishedCommand[] = [];
  bus.onCommand((published) => seen.push(published));
  return seen;
}

/** A participant to put into a conference: its call id and its state on the current feed. */
export interface Joiner extends MemberState {
  callId: string;
}

/**
 * Publishes one `add-member` per joiner on Kazoo's current feed and waits until the API lists
 * them all among the conference's participants.
 */
export async function joinParticipants(
  server: ParleyServer,
  api: ApiClient,
  account: TestAccount,
  conferenceId: string,
  joiners: Joiner[],
): Promise<void> {
  const bus = embeddedBus(server);
  for (const joiner of joiners) {
    const { routingKey, body } = currentFeedEvent(
      "add-member",
      { accountId: account.id, conferenceId, callId: joiner.callId },
      joiner,
    );
    bus.publishEvent(routingKey, body);
  }
  await expect
    .poll(async () => {
      const res = await api.get(
        `/v2/accounts/${account.id}/conferences/${conferenceId}/participants`,
        { token: account.token },
      );
      return res.status === 200 ? (res.body.data as Json[]).map((p) => p.call_id).sort() : [];
    })
    .toEqual(expect.arrayContaining(joiners.map((j) => j.callId)));
}

/** The keys every Kazoo error envelope carries, with their types. */
export function expectErrorEnvelope(body: Json, status: number, message: string): void {
  expect(body).toMatchObject({
    auth_token: expect.any(String),
    error: String(status),
    message,
    request_id: expect.any(String),
    status: "error",
    timestamp: expect.any(String),
    version: expect.any(String),
  });
  expect(body).toHaveProperty("data");
  expect(body).not.toHaveProperty("revision");
}
