import { describe, expect, it } from "vitest";
import { prettyLine } from "../server/log-pretty";

describe("terminal log lines", () => {
  it("renders a pino JSON line as time, level, message and the remaining fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 10, 21, 12, 0, 1, 234),
      pid: 7,
      hostname: "box",
      service: "parley",
      msg: "batch not committed; requeued",
      events: 12,
      reason: "database is locked",
      token: "[redacted]",
    });
    expect(prettyLine(`${line}\n`)).toBe(
      '12:00:01.234 WARN  batch not committed; requeued events=12 reason="database is locked" token=[redacted]\n',
    );
  });

  it("colours warnings and errors only when asked to", () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: "boom" });
    expect(prettyLine(line, true)).toContain("\x1b[31mERROR\x1b[0m");
    expect(prettyLine(line)).not.toContain("\x1b[");
  });

  it("passes a line that is not JSON through unchanged", () => {
    expect(prettyLine("plain words")).toBe("plain words\n");
  });
});
