/**
 * Drives one URL with autocannon (50 keep-alive connections) and reports requests/s and latency
 * percentiles in fractional milliseconds: autocannon's own histogram keeps whole milliseconds, too
 * coarse for sub-millisecond answers, so each response's `process.hrtime` duration is taken from
 * its `response` event instead.
 */
import autocannon from "autocannon";
import { percentile } from "../lib/report";

interface Task {
  url: string;
  method: "GET" | "PUT";
  headers: Record<string, string>;
  body?: string;
  seconds: number;
  /** Seconds of load before the measured part (JIT, connection set-up), 0 for none. */
  warmup: number;
}

process.once("message", async (task: Task) => {
  let latencies = new Float64Array(1 << 18);
  let count = 0;
  let failed = 0;
  const options = {
    url: task.url,
    method: task.method,
    headers: task.headers,
    ...(task.body ? { body: task.body } : {}),
    connections: 50,
    duration: task.seconds,
    ...(task.warmup > 0 ? { warmup: { duration: task.warmup, connections: 50 } } : {}),
  };
  // Without a callback autocannon returns its instance, an event emitter that is also a promise.
  const instance = autocannon(options) as unknown as autocannon.Instance &
    Promise<autocannon.Result>;
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status < 200 || status >= 300) {
      failed += 1;
      return;
    }
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = ms;
  });
  const result = await instance;
  const sorted = Array.from(latencies.subarray(0, count).sort());
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  process.send?.({
    type: "done",
    rps: count / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failed: failed + result.errors + result.timeouts,
  });
});
