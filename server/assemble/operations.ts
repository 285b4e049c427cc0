/**
 * What operators and meeting hosts do: conference actions published as Kazoo commands, and the
 * ConnectyCube-style meetings (with their `record` commands, notices and reminders). Commands
 * that went out are announced on a signal the WebSocket gateway joins once it exists.
 * @module
 */
import type { ConferenceCommand } from "../../protocol/commands";
import type { Config } from "../config";
import type { Store } from "../db/open";
import type { CommandBus } from "../domain/command-bus";
import { type ConferenceControl, createConferenceControl } from "../domain/control";
import type { Entropy } from "../domain/ids";
import { createMeetingService, type MeetingService } from "../domain/meetings";
import type { WorkLeases } from "../domain/work-leases";
import type { ParleyWrites } from "../domain/write-ops";
import { meetingFormatter } from "../http/meeting-format";
import type { Logger } from "../logger";
import { version } from "../version";
import { meetingNoticeFact } from "../webhooks/meeting-payloads";
import type { WebhookSystem } from "../webhooks/webhook-system";
import type { DomainPart } from "./domain";
import type { Lifecycle } from "./lifecycle";
import { Signal } from "./signal";

export interface OperationsPart {
  control: ConferenceControl;
  /** Commands the bus confirmed, by account (command bindings on `/ws`). */
  commandsSent: Signal<[string, ConferenceCommand[]]>;
  meetings: MeetingService;
  /** The meeting as the API and the webhooks show it. */
  meetingJson: ReturnType<typeof meetingFormatter>;
  /**
   * Sends meeting reminders when due (each once, even across restarts), from the node holding
   * the reminders lease.
   */
  startReminders(lifecycle: Lifecycle, leases: WorkLeases): void;
}

export function assembleOperations(
  config: Config,
  deps: {
    store: Store;
    now: () => number;
    entropy: Entropy;
    logger: Logger;
    bus: CommandBus;
    writes: ParleyWrites;
    domain: DomainPart;
    webhooks: WebhookSystem;
  },
): OperationsPart {
  const { store, now, webhooks } = deps;
  const commandsSent = new Signal<[string, ConferenceCommand[]]>();
  const control = createConferenceControl({
    bus: deps.bus,
    appVersion: version,
    onSent: (accountId, commands) => commandsSent.emit(accountId, commands),
    onKickAll: (conferenceId) => deps.writes.run("conference.host_ending", { conferenceId }),
    onKick: (conferenceId, callId) =>
      deps.writes.run("participant.kicking", { conferenceId, callId }),
  });
  const meetingJson = meetingFormatter(config.meetingUrlTemplate);
  const meetings = createMeetingService({
    db: store.db,
    now,
    entropy: deps.entropy,
    conferences: deps.domain.conferences,
    record: (accountId, conferenceId, action, meetingId) =>
      control.record({ accountId, conferenceId }, action, `${meetingId}-${now()}.mp4`),
    publish: (notices) =>
      webhooks.publish(notices.map((notice) => meetingNoticeFact(notice, meetingJson))),
    transaction: (fn) => store.sqlite.transaction(fn)(),
  });
  return {
    control,
    commandsSent,
    meetings,
    meetingJson,
    startReminders(lifecycle, leases) {
      const timer = setInterval(() => {
        if (!leases.holds("reminders") || !meetings.hasDueReminders()) {
          return;
        }
        deps.writes.run("meeting.reminders", {}).catch((error: unknown) => {
          deps.logger.error({ err: error }, "meeting reminders failed");
        });
      }, 1000);
      timer.unref();
      lifecycle.started("meeting reminders", () => clearInterval(timer));
    },
  };
}
