/**
 * The domain's port for operator actions: an implementation (`server/amqp/`) publishes Kazoo
 * command messages for the media server. RabbitMQ sits behind it when `AMQP_URL` is set, the
 * in-process bus otherwise.
 * @module
 */
import type { ConferenceCommand } from "../../protocol/commands";

/** Where the conference control sends Kazoo commands. */
export interface CommandBus {
  /**
   * Publishes every command and resolves once all are accepted (broker confirms, pipelined).
   * Rejects with a `service_unavailable` DomainError when they cannot be delivered.
   */
  publish(commands: ConferenceCommand[]): Promise<void>;
}
