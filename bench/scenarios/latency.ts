/**
 * latency: events published at a fixed 2,000/s while 1,000 WebSocket clients (10 on each of 100
 * conferences) and one account-wide client are subscribed: publish → receive latency, server CPU
 * and memory. Baseline: a bare relay (amqplib consumer → ws), no store.
 */
import { connectClients } from "../lib/clients";
import { cpuSeconds, forkWorker, rssBytes, startParley, tempDir } from "../lib/process";
import { percentile, type Row, ratioOf } from "../lib/report";
import { brokerEnv, createAccount, dropTopology, topology } from "../lib/setup";

async function measure(
  url: string,
  exchange: string,
  auth: { token?: string; accountId?: string },
  conferences: string[],
  accountId: string,
  seconds: number,
  pid: number,
) {
  const bindings = conferences.flatMap((c) =>
    Array.from({ length: 10 }, () => `conference.event.${c}.*`),
  );
  bindings.push("conference.event.*.*");
  const pool = await connectClients(url, bindings, auth);
  const cpuBefore = cpuSeconds(pid);
  let rssMax = rssBytes(pid);
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, rssBytes(pid));
  }, 200);
  const publisher = forkWorker<{ published: number; seconds: number }>("publisher.ts");
  publisher.send({ exchange, accountId, conferences, rate: 2000, seconds });
  const { seconds: took } = await publisher.next<{ seconds: number }>("done");
  await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  const cpu = ((cpuSeconds(pid) - cpuBefore) / (took + 0.5)) * 100;
  const { samples } = await pool.report();
  pool.close();
  return { samples, cpu, rssMax };
}

export async function latency(quick: boolean): Promise<Row[]> {
  const seconds = quick ? 2 : 20;
  const names = topology();
  const conferences = Array.from({ length: 100 }, (_, i) => `lat${i.toString().padStart(4, "0")}`);
  const dir = tempDir("latency");
  const parley = await startParley(brokerEnv(names, `${dir}/parley.db`));
  const account = await createAccount(parley.url);
  const pid = parley.pid;
  const ours = await measure(
    parley.url,
    names.exchange,
    { token: account.token, accountId: account.id },
    conferences,
    account.id,
    seconds,
    pid,
  );
  await parley.stop();
  await dropTopology(names);

  const bareNames = topology();
  const relay = forkWorker<{ url: string; pid: number }>("bare-relay.ts");
  relay.send({ exchange: bareNames.exchange, queue: bareNames.queue });
  const { url: bareUrl, pid: barePid } = await relay.next<{ url: string; pid: number }>("ready");
  const bare = await measure(
    bareUrl,
    bareNames.exchange,
    {},
    conferences,
    account.id,
    seconds,
    barePid,
  );
  relay.stop();
  await dropTopology(bareNames);

  const row = (
    figure: string,
    p: number,
    target: string,
    met: boolean | null,
    unit = "ms",
  ): Row => {
    const a = percentile(ours.samples, p);
    const b = percentile(bare.samples, p);
    return {
      scenario: "latency",
      figure,
      unit,
      parley: a,
      baseline: b,
      ratio: ratioOf(a, b, true),
      target,
      met,
      lowerIsBetter: true,
    };
  };
  const p99 = percentile(ours.samples, 99);
  return [
    row("publish → client p50", 50, "", null),
    row("publish → client p99", 99, "≤ 15 ms", p99 <= 15),
    row("publish → client p99.9", 99.9, "", null),
    row("publish → client max", 100, "", null),
    {
      scenario: "latency",
      figure: `server CPU at 2,000 ev/s (${ours.samples.length.toLocaleString("en-US")} deliveries)`,
      unit: "%",
      parley: ours.cpu,
      baseline: bare.cpu,
      ratio: null,
      target: "",
      met: null,
    },
    {
      scenario: "latency",
      figure: "server RSS, 1,001 clients",
      unit: "MiB",
      parley: ours.rssMax / 1048576,
      baseline: bare.rssMax / 1048576,
      ratio: null,
      target: "",
      met: null,
    },
  ];
}
