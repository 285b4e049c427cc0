/** Runs autocannon against one URL and reports requests/s and latency percentiles. */
import autocannon from "autocannon";

process.once(
  "message",
  async (task: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body?: string;
    seconds: number;
  }) => {
    const result = await autocannon({
      url: task.url,
      method: task.method as "GET" | "PUT",
      headers: task.headers,
      ...(task.body ? { body: task.body } : {}),
      connections: 50,
      duration: task.seconds,
    });
    process.send?.({
      type: "done",
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      total: result.requests.total,
    });
  },
);
