/**
 * fan-out: many WebSocket clients on one conference; events published one at a time: how long
 * until every client has each event (p50/p99 over events), and server memory per connection.
 * Baseline: a bare `ws` server broadcasting the same frames to the same clients.
 */
import { connectClients } from "../lib/clients";
import { forkWorker, rssBytes, startParley, tempDir } from "../lib/process";
import { percentile, type Row, ratioOf } from "../lib/report";
import { brokerEnv, createAccount, dropTopology, topology } from "../lib/setup";

async function measure(
  url: string,
  exchange: string,
  auth: { token?: string; accountId?: string },
  clients: number,
  events: number,
  accountId: string,
  pid: number,
) {
  const rssBefore = rssBytes(pid);
  const pool = await connectClients(
    url,
    Array.from({ length: clients }, () => "conference.event.fan0000.*"),
    auth,
  );
  await new Promise((r) => setTimeout(r, 300));
  const rssAfter = rssBytes(pid);
  const publisher = forkWorker("publisher.ts");
  publisher.send({
    exchange,
    accountId,
    conferences: ["fan0000"],
    rate: 0,
    seconds: 0,
    count: events,
    intervalMs: 100,
  });
  await publisher.next("done");
  // Wait until every client has every event (or 60 s): the figure is time to full delivery.
  let perEvent = (await pool.report()).perEvent;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const done =
      perEvent.size === events && [...perEvent.values()].every((e) => e.received === clients);
    if (done) {
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
    perEvent = (await pool.report()).perEvent;
  }
  pool.close();
  const complete = [...perEvent.values()].filter((e) => e.received === clients).map((e) => e.last);
  const allTimes = complete.sort((a, b) => a - b);
  return {
    allTimes,
    complete: complete.length,
    perConnection: (rssAfter - rssBefore) / clients,
  };
}

export async function fanout(quick: boolean): Promise<Row[]> {
  const clients = quick ? 1000 : 10_000;
  const events = quick ? 20 : 50;
  const names = topology();
  const dir = tempDir("fanout");
  const parley = await startParley(brokerEnv(names, `${dir}/parley.db`));
  const account = await createAccount(parley.url);
  const ours = await measure(
    parley.url,
    names.exchange,
    { token: account.token, accountId: account.id },
    clients,
    events,
    account.id,
    parley.pid,
  );
  await parley.stop();
  await dropTopology(names);

  const bareNames = topology();
  const relay = forkWorker<{ url: string; pid: number }>("bare-relay.ts");
  relay.send({ exchange: bareNames.exchange, queue: bareNames.queue });
  const { url: bareUrl, pid } = await relay.next<{ url: string; pid: number }>("ready");
  const bare = await measure(bareUrl, bareNames.exchange, {}, clients, events, account.id, pid);
  relay.stop();
  await dropTopology(bareNames);

  const n = clients.toLocaleString("en-US");
  const p50 = [percentile(ours.allTimes, 50), percentile(bare.allTimes, 50)] as const;
  const p99 = [percentile(ours.allTimes, 99), percentile(bare.allTimes, 99)] as const;
  const ratio = ratioOf(p99[0], p99[1], true);
  return [
    {
      scenario: "fanout",
      figure: `all ${n} clients have the event, p50`,
      unit: "ms",
      parley: p50[0],
      baseline: p50[1],
      ratio: ratioOf(p50[0], p50[1], true),
      target: "",
      met: null,
      lowerIsBetter: true,
    },
    {
      scenario: "fanout",
      figure: `all ${n} clients have the event, p99`,
      unit: "ms",
      parley: p99[0],
      baseline: p99[1],
      ratio,
      target: "≤ 100 ms, ≥ 0.7 × bare",
      met: p99[0] <= 100 && ratio >= 0.7,
      lowerIsBetter: true,
    },
    {
      scenario: "fanout",
      figure: `events delivered to every client (of ${events})`,
      unit: "",
      parley: ours.complete,
      baseline: bare.complete,
      ratio: null,
      target: `${events}`,
      met: ours.complete === events,
    },
    {
      scenario: "fanout",
      figure: "server memory per connection",
      unit: "KiB",
      parley: ours.perConnection / 1024,
      baseline: bare.perConnection / 1024,
      ratio: null,
      target: "≤ 30 KiB",
      met: ours.perConnection / 1024 <= 30,
    },
  ];
}
