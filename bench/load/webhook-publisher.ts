/**
 * The webhook scenario's latency phase: publishes Kazoo mute/unmute toggles at a steady rate,
 * round-robin over the given participants, and notes each publish time by conference, so the
 * scenario can pair the k-th delivery about a conference at an endpoint with the k-th event
 * published for it (deliveries of one conference to one endpoint keep their order in parley,
 * and at half capacity the bare sender has nothing of the same conference in flight at once).
 */
import amqp from "amqplib";
import { feedEvent } from "../lib/setup";

const url = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const now = () => performance.timeOrigin + performance.now();

interface Task {
  exchange: string;
  accountId: string;
  members: Array<{ conference: string; callId: string }>;
  /** Toggles each participant already had: an even count means it is unmuted now. */
  firstToggle: number;
  /** Events per second. */
  rate: number;
  seconds: number;
}

// Gone with the scenario that forked it, even when that one crashed.
process.once("disconnect", () => process.exit(0));

process.once("message", async (task: Task) => {
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  const times: Record<string, number[]> = {};
  const total = Math.max(1, Math.round(task.rate * task.seconds));
  let seq = 0;
  const publish = () => {
    const member = task.members[seq % task.members.length];
    if (!member) {
      throw new Error("no participants to toggle");
    }
    const toggle = task.firstToggle + Math.floor(seq / task.members.length);
    const { routingKey, body } = feedEvent(
      toggle % 2 === 0 ? "mute-member" : "unmute-member",
      task.accountId,
      member.conference,
      member.callId,
      1,
    );
    const content = Buffer.from(JSON.stringify(body));
    const at = now();
    channel.publish(task.exchange, routingKey, content, { persistent: true });
    const sent = times[member.conference];
    if (sent) {
      sent.push(at);
    } else {
      times[member.conference] = [at];
    }
    seq += 1;
  };
  const started = now();
  while (seq < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * task.rate) + 1);
    while (seq < due) {
      publish();
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 50));
  await connection.close();
  process.send?.({ type: "done", published: seq, seconds: (now() - started) / 1000, times });
});
