/**
 * `npm run simulate -- --amqp <url> --account <id>`: the switch simulator as its own process,
 * playing the media server against a parley that consumes from RabbitMQ.
 * @module
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { loadProcessConfig } from "../config";
import { connectAmqpLink } from "./amqp-link";
import { startSimulator } from "./switch-simulator";

const usage = `usage: npm run simulate -- --amqp <url> --account <account_id> [options]

  --amqp <url>          RabbitMQ URL (default: $AMQP_URL)
  --account <id>        parley account the conferences belong to (required)
  --exchange <name>     conference exchange (default: $AMQP_EXCHANGE or "conference")
  --conference <id>     conference id to run; repeat for several (default: three new ids)
  --speed <factor>      1 is real time, 0.1 is ten times faster (default 1)
  --help                this text
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      amqp: { type: "string" },
      account: { type: "string" },
      exchange: { type: "string" },
      conference: { type: "string", multiple: true },
      speed: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const config = loadProcessConfig();
  const url = values.amqp ?? config.amqpUrl;
  if (!url || !values.account) {
    process.stderr.write(`simulate: --amqp and --account are required\n\n${usage}`);
    process.exit(64);
  }
  const exchange = values.exchange ?? config.amqpExchange;
  const conferenceIds = values.conference ?? [0, 1, 2].map(() => randomBytes(16).toString("hex"));
  const link = await connectAmqpLink(url, exchange);
  let count = 0;
  const simulator = startSimulator({
    link,
    accountId: values.account,
    conferenceIds,
    speed: values.speed ? Number(values.speed) : 1,
    onEvent: () => {
      count += 1;
    },
  });
  process.stderr.write(`simulating ${conferenceIds.join(", ")} on ${exchange}\n`);
  let last = 0;
  const rate = setInterval(() => {
    process.stderr.write(`\r${count} events published (${count - last}/s)   `);
    last = count;
  }, 1000);
  const stop = async () => {
    clearInterval(rate);
    simulator.stop();
    await link.close();
    process.stderr.write("\n");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${(error as Error).message}\n`);
  process.exit(1);
});
