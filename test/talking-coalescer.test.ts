import { describe, expect, it } from "vitest";
import { createTalkingCoalescer } from "../server/webhooks/derive";

describe("talking coalescing for webhooks", () => {
  it("sends one talking start per participant per interval and only the stops that start owes", () => {
    const talking = createTalkingCoalescer(2000, 100);
    expect(talking.start("c", "a", 0)).toBe(true);
    expect(talking.stop("c", "a")).toBe(true);
    expect(talking.start("c", "a", 1000)).toBe(false);
    expect(talking.stop("c", "a")).toBe(false);
    expect(talking.start("c", "a", 2500)).toBe(true);
    expect(talking.start("c", "b", 2500)).toBe(true);
  });

  it("forgets a participant who left and a conference that ended", () => {
    const talking = createTalkingCoalescer(2000, 100);
    talking.start("c1", "a", 0);
    talking.start("c1", "b", 0);
    talking.start("c2", "a", 0);
    expect(talking.size()).toBe(3);
    talking.forget("c1", "a");
    expect(talking.size()).toBe(2);
    talking.forgetConference("c1");
    expect(talking.size()).toBe(1);
    // A participant rejoining after leaving starts afresh.
    expect(talking.start("c1", "a", 10)).toBe(true);
  });

  it("stays within its bound under endless churn, evicting the least recently active conferences", () => {
    const talking = createTalkingCoalescer(2000, 1000);
    for (let i = 0; i < 50_000; i += 1) {
      talking.start(`conference-${i % 5000}`, `call-${i}`, i);
    }
    expect(talking.size()).toBeLessThanOrEqual(1000);
    // The most recent conference is still tracked: its participant's start within 2 s is held back.
    expect(talking.start("conference-4999", "call-49999", 49_999 + 10)).toBe(false);
  });

  it("sends the stop of a participant it has no record of (evicted, or a restart since the start)", () => {
    const talking = createTalkingCoalescer(2000, 100);
    expect(talking.stop("c", "unknown")).toBe(true);
  });
});
