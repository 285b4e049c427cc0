/**
 * Commit progress read the same way from parley and from a baseline: a Prometheus counter scraped
 * over HTTP at a fixed interval. Both sides pay for the same scrape, and neither pays for a reader
 * of its store the other does not have.
 */

/** The sum of a counter's samples over all its label sets in a Prometheus text exposition. */
export function counterValue(text: string, metric: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${metric} `) || line.startsWith(`${metric}{`)) {
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return total;
}

/** What `commitRate` measured. */
export interface CommitRate {
  /** Events per second between the first poll that saw a commit and the last event's commit. */
  rate: number;
  /** Events counted in that window. */
  events: number;
  polls: number;
}

/**
 * Polls `url` every `intervalMs` until `metric` reaches `expected`, then returns the commit rate:
 * events committed after the first poll that saw any (its count and time are exact), divided by
 * the time from that poll to the moment the count reached `expected` (interpolated between the
 * two polls around it, so the end is not late by up to one interval).
 */
export async function commitRate(
  url: string,
  metric: string,
  expected: number,
  intervalMs: number,
  timeoutMs = 600_000,
  alive: () => boolean = () => true,
): Promise<CommitRate> {
  const polls: Array<{ at: number; n: number }> = [];
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const sent = performance.now();
    const text = await fetch(url).then((r) => r.text());
    const at = (sent + performance.now()) / 2;
    const n = counterValue(text, metric);
    if (n > 0) {
      polls.push({ at, n });
    }
    if (n >= expected) {
      break;
    }
    if (!alive() || performance.now() > deadline) {
      throw new Error(`${url}: ${metric} reached ${n} of ${expected}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - sent))));
  }
  const first = polls[0];
  const last = polls.at(-1);
  const before = polls.at(-2);
  if (!first || !last || !before || first === last) {
    throw new Error(`${metric}: every event committed before the second poll, too fast to measure`);
  }
  const end = before.at + ((expected - before.n) / (last.n - before.n)) * (last.at - before.at);
  const events = expected - first.n;
  return { rate: events / ((end - first.at) / 1000), events, polls: polls.length };
}
