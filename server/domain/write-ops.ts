/**
 * Every change parley makes to its state outside the media servers' events: the operation, its
 * arguments (plain JSON: they travel in the replicated log) and its result. The handlers
 * (`server/assemble/writes.ts`) are synchronous and deterministic, applied by every node alike;
 * what needs the network (the SSRF guard's DNS, the media server's `record`) happens where the
 * request arrived, before the write.
 * @module
 */
import type { CreateMeetingBody, UpdateMeetingBody } from "../../protocol/meetings";
import type { WebhookBody } from "../../protocol/webhooks";
import type { AttemptOutcome } from "../webhooks/delivery-outcomes";
import type { Subscription } from "../webhooks/subscription-body";
import type { Account } from "./accounts";
import type { StoredConference } from "./conferences";
import type { SecretsProposal } from "./installation-secrets";
import type { MeetingRow } from "./meeting-rows";
import type { Writes } from "./writes";

type ConferenceRef = { accountId: string; conferenceId: string };
type WebhookRef = { accountId: string; webhookId: string };
type MeetingRef = { accountId: string; userId: string; meetingId: string };

/** The write operations, by name. */
export interface WriteOps {
  [op: string]: (args: never) => unknown;
  "account.create": (args: { name: string; id?: string; keyDigest: string }) => Account;
  /** Replaces the account's API key by the one whose digest is given. */
  "account.rotate_key": (args: { accountId: string; keyDigest: string }) => {
    account: Account;
    keyId: string;
  };
  "conference.create": (args: { accountId: string; data: unknown }) => StoredConference;
  "conference.replace": (args: ConferenceRef & { data: unknown }) => StoredConference;
  "conference.patch": (args: ConferenceRef & { data: unknown }) => StoredConference;
  "conference.remove": (args: ConferenceRef) => StoredConference;
  /** The API kicked everyone: the meeting's end is the host's doing. */
  "conference.host_ending": (args: { conferenceId: string }) => void;
  /** The API kicks one call: its leave is recorded as a kick. */
  "participant.kicking": (args: { conferenceId: string; callId: string }) => void;
  "webhook.create": (args: { accountId: string; body: WebhookBody }) => Subscription;
  "webhook.update": (args: WebhookRef & { body: WebhookBody }) => Subscription;
  "webhook.remove": (args: WebhookRef) => Subscription;
  "webhook.rotate_secret": (args: WebhookRef) => Subscription;
  /** Queues a `webhook.ping` for one endpoint; returns its delivery id. */
  "webhook.ping": (args: WebhookRef) => string;
  /** Sends again what failed since `since`; returns how many. */
  "webhook.recover": (args: { webhookId: string; since: number }) => number;
  "delivery.retry": (args: { webhookId: string; deliveryId: string }) => boolean;
  "meeting.create": (args: {
    accountId: string;
    hostId: string;
    body: CreateMeetingBody;
  }) => MeetingRow;
  "meeting.update": (args: MeetingRef & { body: UpdateMeetingBody }) => MeetingRow;
  "meeting.remove": (args: MeetingRef) => void;
  /** Records what webhook attempts came to (sent by the node holding their partition). */
  "delivery.outcomes": (args: { outcomes: AttemptOutcome[] }) => void;
  /**
   * A node (re)joined: it is caught up once it applied this; the first join in the log decides
   * the installation's secrets for every node.
   */
  "node.join": (args: { node: string; secrets: SecretsProposal }) => void;
  /** Sends the meeting reminders due at the entry's time; returns how many. */
  "meeting.reminders": (args: Record<string, never>) => number;
}

/** Writing through the log, typed by `WriteOps`. */
export type ParleyWrites = Writes<WriteOps>;
