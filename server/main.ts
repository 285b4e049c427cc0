/**
 * Process entry: read the configuration, start parley, stop cleanly on SIGTERM/SIGINT. Startup
 * failures print one readable line and exit non-zero, never a stack trace.
 * @module
 */
import { BrokerRefusedError } from "./amqp/broker-link-state";
import { ConfigError, loadProcessConfig } from "./config";
import { createServer } from "./create-server";
import { StoreOpenError } from "./db/open";

async function main(): Promise<void> {
  const config = loadProcessConfig();
  const server = await createServer(config);
  if (server.generatedAdminToken) {
    process.stderr.write(
      `\nparley generated an admin token (shown once; set PARLEY_ADMIN_TOKEN to choose your own):\n\n  ${server.generatedAdminToken}\n\n`,
    );
  }
  if (server.simulation?.createdApiKey) {
    process.stderr.write(
      `\nparley created the account "demo" (${server.simulation.accountId}) for the simulator; its API key (shown once):\n\n  ${server.simulation.createdApiKey}\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    server.logger.info({ signal }, "shutting down");
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof StoreOpenError ||
    error instanceof BrokerRefusedError
  ) {
    process.stderr.write(`parley: ${error.message}\n`);
    process.exit(78);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE" || code === "EACCES") {
    process.stderr.write(`parley: cannot listen: ${(error as Error).message}\n`);
    process.exit(78);
  }
  process.stderr.write(`parley: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
