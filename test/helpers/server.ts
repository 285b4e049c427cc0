/**
 * Starts a real parley on port 0 with a fresh in-memory database for one test, and closes it when
 * the test finishes.
 */
import { onTestFinished } from "vitest";
import { loadConfig } from "../../server/config";
import { createServer, type ParleyServer, type ServerOverrides } from "../../server/create-server";

/** The admin token every test server accepts. */
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export async function startServer(
  env: Record<string, string> = {},
  overrides: ServerOverrides = {},
): Promise<ParleyServer> {
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    PARLEY_DB: ":memory:",
    PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    ...env,
  });
  const server = await createServer(config, overrides);
  onTestFinished(() => server.close());
  return server;
}
