/**
 * Where operator actions go: an implementation publishes Kazoo command messages for the media
 * server. RabbitMQ sits behind it when `AMQP_URL` is set, the in-process bus otherwise.
 * @module
 */
import type { ConferenceCommand } from "../../protocol/commands";

export interface CommandBus {
  /**
   * Publishes every command and resolves once all are accepted (broker confirms, pipelined).
   * Rejects with a `service_unavailable` DomainError when they cannot be delivered.
   */
  publish(commands: ConferenceCommand[]): Promise<void>;
}
