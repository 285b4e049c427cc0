import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createAccount, type Json } from "./helpers/api";
import { AMQP_URL, brokerProbe, newTopology } from "./helpers/broker";
import { startFakeMediaServer } from "./helpers/media-server";
import { startParleyProcess } from "./helpers/process";
import { ADMIN_TOKEN } from "./helpers/server";

const run = promisify(execFile);

/** Local ports of the process's TCP connections to the broker (Linux: /proc). */
function brokerPortsOf(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const match = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
        return match ? [match[1]] : [];
      } catch {
        return [];
      }
    }),
  );
  const brokerPort = Number(new URL(AMQP_URL).port || 5672);
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((table) =>
    readFileSync(table, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length > 9 && inodes.has(f[9] ?? ""))
      .filter((f) => Number.parseInt(f[2]?.split(":")[1] ?? "", 16) === brokerPort)
      .map((f) => Number.parseInt(f[1]?.split(":")[1] ?? "", 16)),
  );
}

/** Makes the broker drop the process's connections, as a network blip or a broker failover does. */
async function dropBrokerConnections(pid: number): Promise<number> {
  const ports = new Set(brokerPortsOf(pid));
  const { stdout } = await run("rabbitmqctl", [
    "list_connections",
    "-q",
    "--no-table-headers",
    "pid",
    "peer_port",
  ]);
  const dropped = stdout
    .trim()
    .split("\n")
    .map((line) => line.split("\t"))
    .filter(([, port]) => ports.has(Number(port)));
  for (const [connection] of dropped) {
    await run("rabbitmqctl", ["close_connection", connection ?? "", "test: connection dropped"]);
  }
  return dropped.length;
}

describe("reconciliation after a broker reconnect", () => {
  it("asks the media servers again when the connection comes back, and finds the join it missed", async () => {
    const topology = newTopology();
    await brokerProbe(topology); // deletes the test's queues and exchange afterwards
    const { parley, api } = await startParleyProcess({
      PARLEY_DB: ":memory:",
      AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
      PARLEY_ADMIN_TOKEN: ADMIN_TOKEN,
      RECONCILE_INTERVAL_SECONDS: "0",
      RECONCILE_TIMEOUT_MS: "300",
    });
    const account = await createAccount(api);
    const media = await startFakeMediaServer(topology, account.id);
    media.join("weekly", { callId: "call-1", participantId: 1 }, { publish: true });
    const path = `/v2/accounts/${account.id}/conferences/weekly/participants`;
    const callIds = async () =>
      ((await api.get(path, { token: account.token })).body.data as Json[] | undefined)
        ?.map((p) => p.call_id)
        .sort();
    await expect.poll(callIds).toEqual(["call-1"]);

    // A join whose event is lost: with no periodic round, only a reconnect makes parley ask.
    media.join("weekly", { callId: "call-2", participantId: 2 });
    const asked = media.requests.length;
    expect(await dropBrokerConnections(parley.child.pid ?? 0)).toBeGreaterThan(0);
    await expect.poll(callIds, { timeout: 10_000 }).toEqual(["call-1", "call-2"]);
    expect(media.requests.length).toBeGreaterThan(asked);
  });
});
