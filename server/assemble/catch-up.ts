/**
 * This node's place in the cluster: its name, its join entries (one per connection to the log,
 * each carrying its proposal for the installation's secrets) and whether it has caught up, which
 * `/readyz` reports. Without RabbitMQ the in-process log is joined once, at start.
 * @module
 */
import type { RabbitBus } from "../amqp/rabbitmq";
import type { Store } from "../db/open";
import { CatchUp } from "../domain/catch-up";
import type { InstallationSecrets } from "../domain/installation-secrets";
import type { ReplicatedLog } from "../domain/replicated-log";
import type { ParleyWrites } from "../domain/write-ops";
import type { Logger } from "../logger";
import type { Lifecycle } from "./lifecycle";

export interface CatchUpPart {
  catchUp: CatchUp;
  /** Joins the log now (without RabbitMQ; with it, every connect joins). */
  joinInProcess(): void;
}

export function assembleCatchUp(deps: {
  log: ReplicatedLog;
  rabbit: RabbitBus | undefined;
  writes: ParleyWrites;
  secrets: InstallationSecrets;
  store: Store;
  logger: Logger;
  lifecycle: Lifecycle;
  /** This node's name (known once it listens: the default includes the port). */
  node: () => string;
}): CatchUpPart {
  const { log, rabbit, logger } = deps;
  const catchUp = new CatchUp({
    join: () =>
      deps.writes.run("node.join", {
        node: deps.node(),
        secrets: deps.secrets.proposal(deps.store.db),
      }),
    broken: () => log.broken,
    onError: (error) =>
      logger.warn({ err: error }, "could not append this node's join entry; trying again"),
  });
  log.onBroken?.(() => catchUp.broke());
  if (rabbit) {
    // Registered after the log's own listeners: the join is appended on a stream being read.
    rabbit.onConnected(() => catchUp.connected());
    rabbit.onLost(() => catchUp.lost());
  }
  deps.lifecycle.started("catch-up", () => catchUp.stop());
  return { catchUp, joinInProcess: () => (rabbit ? undefined : catchUp.connected()) };
}
