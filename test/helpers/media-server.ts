/**
 * A fake ecallmgr on the real RabbitMQ: publishes conference events on the test's exchange when
 * the test says so, and answers `search_req` (routing key `conference.discovery`) from the state
 * the test gives it, in the shapes of Kazoo's `search_resp` and not-found `error`, to the
 * requester's `Server-ID` through the direct `targeted` exchange. It can be told to answer
 * something else, to stay silent, or be closed as if it died.
 */
import type { Channel, ChannelModel } from "amqplib";
import { onTestFinished } from "vitest";
import { ensureTargetedExchange } from "../../server/amqp/rabbit-search";
import { connectBroker, type Topology } from "./broker";
import { currentFeedEvent, type MemberState } from "./events";

const GREGORIAN_OFFSET = 62_167_219_200;
const gregorianNow = () => Math.floor(Date.now() / 1000) + GREGORIAN_OFFSET;

export interface FakeMember extends MemberState {
  callId: string;
}

export interface FakeConference {
  uuid: string;
  locked: boolean;
  startTime: number;
  members: Map<string, FakeMember>;
}

/** What the fake does with a request: `undefined` keeps silent. */
export type Answerer = (request: Record<string, unknown>) => unknown;

export interface FakeMediaServer {
  conferences: Map<string, FakeConference>;
  /** Every `search_req` received. */
  requests: Array<Record<string, unknown>>;
  /** Events published so far. */
  published: number;
  /** Adds a member to its state; with `publish`, also sends `add-member` as ecallmgr would. */
  join(conferenceId: string, member: FakeMember, options?: { publish?: boolean }): void;
  /** Removes a member from its state; with `publish`, also sends `del-member`. */
  leave(conferenceId: string, callId: string, options?: { publish?: boolean }): void;
  /** Replaces how requests are answered (default: as ecallmgr, from `conferences`). */
  answerWith(answerer: Answerer): void;
  /** The answer ecallmgr would give to `request` from the current state. */
  ecallmgrAnswer(request: Record<string, unknown>): unknown;
  /** Sends any body to the requester of `request` (for malformed answers). */
  reply(request: Record<string, unknown>, body: Buffer | string): void;
  /** Drops the connection without a word, as a crashed media server. */
  close(): Promise<void>;
}

function participantOf(
  conferenceId: string,
  conference: FakeConference,
  m: FakeMember,
  account: string,
) {
  return {
    "Call-ID": m.callId,
    "Caller-ID-Name": `Caller ${m.participantId}`,
    "Caller-ID-Number": String(1000 + m.participantId),
    "Conference-Channel-Vars": {
      "Energy-Level": 20,
      Floor: m.floor ?? false,
      Hear: m.hear ?? true,
      "Is-Moderator": m.isModerator ?? false,
      "Member-Ghost": false,
      "Member-ID": m.participantId,
      "Member-Type": m.isModerator ? "moderator" : "member",
      "Mute-Detect": false,
      See: true,
      Speak: m.speak ?? true,
      Talking: m.talking ?? false,
      Video: false,
    },
    "Conference-Name": conferenceId,
    "Conference-UUID": conference.uuid,
    "Custom-Application-Vars": {},
    "Custom-Channel-Vars": { "Account-ID": account },
    "Join-Time": conference.startTime + 5,
    "Participant-ID": m.participantId,
    "Switch-Hostname": "fs1.example.net",
  };
}

export async function startFakeMediaServer(
  topology: Topology,
  accountId: string,
): Promise<FakeMediaServer> {
  const connection: ChannelModel = await connectBroker();
  await ensureTargetedExchange(connection);
  const channel: Channel = await connection.createChannel();
  await channel.assertExchange(topology.exchange, "topic", { durable: true });
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, topology.exchange, "conference.discovery");
  let closed = false;
  onTestFinished(async () => {
    if (!closed) {
      await connection.close().catch(() => {});
    }
  });

  const conferences = new Map<string, FakeConference>();
  const requests: Array<Record<string, unknown>> = [];
  const headers = (request: Record<string, unknown>, name: string) => ({
    "App-Name": "ecallmgr",
    "App-Version": "4.3.0",
    "Event-Category": "conference",
    "Event-Name": name,
    "Msg-ID": request["Msg-ID"],
  });
  const ecallmgrAnswer = (request: Record<string, unknown>): unknown => {
    const conferenceId = request["Conference-ID"];
    if (typeof conferenceId === "string") {
      const conference = conferences.get(conferenceId);
      if (!conference || conference.members.size === 0) {
        return {
          ...headers(request, "error"),
          "Conference-ID": conferenceId,
          "Error-Message": `Conference ${conferenceId} not found`,
          Request: request,
        };
      }
      return {
        ...headers(request, "search_resp"),
        "Conference-ID": conferenceId,
        Locked: conference.locked,
        "Participant-Count": conference.members.size,
        Participants: [...conference.members.values()].map((m) =>
          participantOf(conferenceId, conference, m, accountId),
        ),
        "Run-Time": gregorianNow() - conference.startTime,
        "Start-Time": conference.startTime,
        "Switch-External-IP": "203.0.113.10",
        "Switch-Hostname": "fs1.example.net",
        "Switch-URL": "sip:mod_sofia@10.1.2.3:11000",
        UUID: conference.uuid,
        Zone: "local",
      };
    }
    const running = request["Account-ID"] === accountId ? [...conferences] : [];
    return {
      ...headers(request, "search_resp"),
      "Account-ID": request["Account-ID"],
      Conferences: Object.fromEntries(
        running
          .filter(([, c]) => c.members.size > 0)
          .map(([id, c]) => [
            id,
            {
              "Is-Locked": c.locked,
              Members: [...c.members.values()].filter((m) => !m.isModerator).length,
              Moderators: [...c.members.values()].filter((m) => m.isModerator).length,
              "Participant-Count": c.members.size,
              "Run-Time": gregorianNow() - c.startTime,
              "Start-Time": c.startTime,
              "Switch-Hostname": "fs1.example.net",
              UUID: c.uuid,
            },
          ]),
      ),
    };
  };
  let answerer: Answerer = ecallmgrAnswer;
  const reply = (request: Record<string, unknown>, body: Buffer | string) => {
    channel.publish("targeted", String(request["Server-ID"]), Buffer.from(body), {
      contentType: "application/json",
    });
  };
  await channel.consume(
    queue,
    (message) => {
      if (!message) {
        return;
      }
      const request = JSON.parse(message.content.toString()) as Record<string, unknown>;
      if (request["Event-Name"] !== "search_req") {
        return;
      }
      requests.push(request);
      const answer = answerer(request);
      if (answer !== undefined) {
        reply(request, Buffer.isBuffer(answer) ? answer : JSON.stringify(answer));
      }
    },
    { noAck: true },
  );

  const fake: FakeMediaServer = {
    conferences,
    requests,
    published: 0,
    join(conferenceId, member, options = {}) {
      let conference = conferences.get(conferenceId);
      if (!conference) {
        conference = {
          uuid: crypto.randomUUID(),
          locked: false,
          startTime: gregorianNow() - 60,
          members: new Map(),
        };
        conferences.set(conferenceId, conference);
      }
      conference.members.set(member.callId, member);
      if (options.publish) {
        publish("add-member", conferenceId, member, conference.uuid);
      }
    },
    leave(conferenceId, callId, options = {}) {
      const conference = conferences.get(conferenceId);
      const member = conference?.members.get(callId);
      if (!conference || !member) {
        return;
      }
      conference.members.delete(callId);
      if (options.publish) {
        publish("del-member", conferenceId, member, conference.uuid);
      }
    },
    answerWith(next) {
      answerer = next;
    },
    ecallmgrAnswer,
    reply,
    async close() {
      closed = true;
      await connection.close().catch(() => {});
    },
  };
  const publish = (event: string, conferenceId: string, member: FakeMember, uuid: string) => {
    const { routingKey, body } = currentFeedEvent(
      event,
      { accountId, conferenceId, callId: member.callId },
      member,
    );
    body["Instance-ID"] = uuid;
    channel.publish(topology.exchange, routingKey, Buffer.from(JSON.stringify(body)), {
      contentType: "application/json",
    });
    fake.published += 1;
  };
  return fake;
}
