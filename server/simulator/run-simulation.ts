/**
 * Starts the built-in simulator (`PARLEY_SIMULATE=1`) under the first account, creating a `demo`
 * account and three conferences on first use, so a newcomer sees live conferences at once.
 * @module
 */
import type { MemoryBus } from "../amqp/memory-bus";
import type { AccountService } from "../domain/accounts";
import type { ConferenceService } from "../domain/conferences";
import { newSecret, osEntropy, sha256Hex } from "../domain/ids";
import type { ParleyWrites } from "../domain/write-ops";
import type { Logger } from "../logger";
import { connectAmqpLink } from "./amqp-link";
import { type Simulator, type SwitchLink, startSimulator } from "./switch-simulator";

const demoConferences = ["Daily standup", "Sales weekly", "Board room"];

export interface SimulationHandle {
  /** The API key of the `demo` account, when this start created it (print it once). */
  createdApiKey: string | undefined;
  accountId: string;
  stop(): Promise<void>;
}

export async function runSimulation(deps: {
  accounts: AccountService;
  conferences: ConferenceService;
  /** The demo account and conferences are written like any other change (through the log). */
  writes: ParleyWrites;
  logger: Logger;
  memoryBus: MemoryBus | undefined;
  amqp: { url: string; exchange: string } | undefined;
}): Promise<SimulationHandle> {
  let createdApiKey: string | undefined;
  let account = deps.accounts.first();
  if (!account) {
    createdApiKey = newSecret(osEntropy);
    account = await deps.writes.run("account.create", {
      name: "demo",
      keyDigest: sha256Hex(createdApiKey),
    });
  }
  const accountId = account.id;
  const existing = deps.conferences.list(accountId).slice(0, demoConferences.length);
  const conferenceIds: string[] = existing.map((c) => c.id);
  if (conferenceIds.length === 0) {
    for (const name of demoConferences) {
      const created = await deps.writes.run("conference.create", { accountId, data: { name } });
      conferenceIds.push(created.id);
    }
  }

  let link: SwitchLink;
  let closeLink = async () => {};
  if (deps.memoryBus) {
    const bus = deps.memoryBus;
    link = {
      publish: (routingKey, body) => bus.publishEvent(routingKey, body),
      onCommand: (listener) => bus.onCommand((published) => listener({ ...published.command })),
      onSearch: (answer) =>
        bus.onSearchRequest((request, reply) => {
          const body = answer(request);
          if (body) {
            reply(body);
          }
        }),
    };
  } else if (deps.amqp) {
    const amqpLink = await connectAmqpLink(deps.amqp.url, deps.amqp.exchange);
    link = amqpLink;
    closeLink = () => amqpLink.close();
  } else {
    throw new Error("the simulator needs the embedded bus or an AMQP URL");
  }
  const simulator: Simulator = startSimulator({ link, accountId: account.id, conferenceIds });
  deps.logger.info(
    { account_id: account.id, conferences: conferenceIds.length },
    "switch simulator running",
  );
  return {
    createdApiKey,
    accountId: account.id,
    async stop() {
      simulator.stop();
      await closeLink();
    },
  };
}
