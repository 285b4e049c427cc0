/**
 * Starts a real parley on port 0 with a fresh in-memory database for one test, and closes it when
 * the test finishes. Every HTTP answer is checked against its route's declared contract
 * (server/http/contract-check.ts); a test whose server gave an answer the OpenAPI document does
 * not describe fails, naming it.
 */
import { onTestFinished } from "vitest";
import { loadConfig } from "../../server/config";
import { createServer, type ParleyServer, type ServerOverrides } from "../../server/create-server";
import type { ContractViolation } from "../../server/http/contract-check";

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
  const violations: ContractViolation[] = [];
  const server = await createServer(config, {
    onContractViolation: (violation) => violations.push(violation),
    ...overrides,
  });
  onTestFinished(() => server.close());
  onTestFinished(() => {
    if (violations.length > 0) {
      const lines = violations.slice(0, 10).map((v) => JSON.stringify(v));
      throw new Error(
        `${violations.length} answer(s) did not match the declared contract:\n${lines.join("\n")}`,
      );
    }
  });
  return server;
}
