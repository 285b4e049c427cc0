import { connect, createServer, type Server, type Socket } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { AMQP_URL, newTopology } from "./helpers/broker";
import { spawnParley } from "./helpers/process";

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const logLines = (stdout: string): LogLine[] =>
  stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);

/** A free loopback port (listened on, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** From now on, `port` forwards every connection to the real broker: RabbitMQ "comes up" there. */
async function forwardToBroker(port: number): Promise<Server> {
  const broker = new URL(AMQP_URL);
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(broker.port || 5672), broker.hostname);
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
  });
  await new Promise<void>((done) => proxy.listen(port, "127.0.0.1", done));
  onTestFinished(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise((done) => proxy.close(done));
  });
  return proxy;
}

describe("the broker connection as an operator sees it", () => {
  it("stops start-up with exit 78 and one readable line when RabbitMQ refuses the login", async () => {
    const topology = newTopology();
    const wrong = new URL(AMQP_URL);
    wrong.password = "not-the-password";
    const parley = spawnParley({
      PARLEY_DB: ":memory:",
      AMQP_URL: wrong.toString(),
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
    });
    expect((await parley.exited).code).toBe(78);
    expect(parley.stderr()).toMatch(
      /^parley: RabbitMQ at 127\.0\.0\.1:5672 refused the login: check the user and password in AMQP_URL\n$/,
    );
    const output = parley.stdout() + parley.stderr();
    expect(output).not.toContain("not-the-password");
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toMatch(/listening on port/);
    // The refusal is an error, not a warning.
    expect(logLines(parley.stdout()).find((l) => /refused the login/.test(l.msg))?.level).toBe(50);
  });

  it("reports an unreachable broker once, backs off between attempts, and says when it connects", async () => {
    const port = await freePort();
    const topology = newTopology();
    const parley = spawnParley({
      PARLEY_DB: ":memory:",
      LOG_LEVEL: "debug",
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}`,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
    });
    const url = await parley.ready();
    // The start-up line does not claim a connection it does not have.
    expect(parley.stdout()).toMatch(
      new RegExp(
        `listening on port \\d+ \\(RabbitMQ at 127\\.0\\.0\\.1:${port}, not connected yet, retrying\\)`,
      ),
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const metrics = async () => (await fetch(`${url}/metrics`)).text();
    expect(await metrics()).toMatch(/^parley_amqp_connected 0$/m);

    const retries = () => logLines(parley.stdout()).filter((l) => /retrying in/.test(l.msg));
    await expect
      .poll(() => retries().length, { timeout: 20_000, interval: 100 })
      .toBeGreaterThanOrEqual(4);
    const attempts = retries();
    // One line at warning level for the state change; the repeats only at debug.
    expect(attempts.filter((l) => l.level >= 40)).toHaveLength(1);
    expect(attempts[0]?.msg).toBe(
      `RabbitMQ at 127.0.0.1:${port} is unreachable (nothing listens there); retrying in ${((attempts[0]?.retry_in_ms as number) / 1000).toFixed(1)} s`,
    );
    const delays = attempts.map((l) => Number(l.msg.match(/retrying in ([\d.]+) s/)?.[1]));
    // Exponential: each wait at least 1.5× the one before until the cap (5 s).
    for (let i = 1; i < delays.length; i += 1) {
      expect(delays[i]).toBeGreaterThanOrEqual(Math.min(3.75, (delays[i - 1] ?? 0) * 1.5));
      expect(delays[i]).toBeLessThanOrEqual(5);
    }
    expect(parley.stdout()).not.toMatch(/"stack"|\\n\s+at /);

    await forwardToBroker(port);
    await expect
      .poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 20_000, interval: 100 })
      .toBe(200);
    const connected = logLines(parley.stdout()).filter((l) => /connected/.test(l.msg));
    expect(connected.at(-1)?.msg).toBe(`RabbitMQ at 127.0.0.1:${port} connected`);
    expect(connected.at(-1)?.level).toBe(30);
    expect(await metrics()).toMatch(/^parley_amqp_connected 1$/m);
  }, 60_000);
});
