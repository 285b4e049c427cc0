/**
 * A media-server stand-in: runs a few conferences, joins and drops callers, and speaks Kazoo's
 * current conference event feed exactly as ecallmgr publishes it. Talking follows FreeSWITCH's
 * voice detection: `start-talking` about 100 ms into speech, `stop-talking` after about 800 ms of
 * silence. It obeys commands (mute → `mute-member`, kick → `del-member`, lock → `lock`, …).
 * @module
 */
import { randomBytes, randomUUID } from "node:crypto";
import { answerSearch } from "./search-answer";

/** How the simulator reaches parley: publish events, hear commands, answer searches. */
export interface SwitchLink {
  publish(routingKey: string, body: Record<string, unknown>): void;
  onCommand(listener: (command: Record<string, unknown>) => void): () => void;
  /** Registers the answerer of `search_req` (its answer goes to the requester); returns an unsubscribe. */
  onSearch?(
    answer: (request: Record<string, unknown>) => Record<string, unknown> | undefined,
  ): () => void;
}

export interface SimulatorOptions {
  link: SwitchLink;
  accountId: string;
  /** Conference ids to run; each gets its own cast of callers. */
  conferenceIds: string[];
  /** Callers per conference, [min, max]. */
  callers?: [number, number];
  /** Scales every delay: 1 is real time, 0.1 ten times faster. */
  speed?: number;
  /** Called for every event published (rate display). */
  onEvent?: (event: string) => void;
  random?: () => number;
}

interface Caller {
  callId: string;
  memberId: number;
  name: string;
  number: string;
  moderator: boolean;
  speak: boolean;
  hear: boolean;
  talking: boolean;
  speaking: boolean;
  /** When the current speech burst or silence ends (ms since epoch). */
  until: number;
  /** When voice detection flips `talking` (start ~100 ms in, stop ~800 ms after silence). */
  flipAt: number | undefined;
  joinedAt: number;
}

interface Room {
  id: string;
  instanceId: string;
  nextMember: number;
  callers: Map<number, Caller>;
  locked: boolean;
  running: boolean;
  startedAt: number;
}

const firstNames = [
  "Ada",
  "Grace",
  "Linus",
  "Margaret",
  "Alan",
  "Barbara",
  "Ken",
  "Radia",
  "Dennis",
  "Frances",
];

export interface Simulator {
  stop(): void;
}

export function startSimulator(options: SimulatorOptions): Simulator {
  const { link, accountId } = options;
  const random = options.random ?? Math.random;
  const speed = options.speed ?? 1;
  const [minCallers, maxCallers] = options.callers ?? [3, 6];
  const rooms = new Map<string, Room>();
  const ms = (n: number) => n * speed;
  const between = (a: number, b: number) => a + random() * (b - a);

  const publish = (room: Room, event: string, caller?: Caller) => {
    const callSlot = caller?.callId ?? room.id;
    const body: Record<string, unknown> = {
      "Account-ID": accountId,
      "App-Name": "ecallmgr",
      "App-Version": "4.3.0",
      "Conference-ID": room.id,
      Event: event,
      "Event-Category": "conference",
      "Event-Name": "event",
      "Instance-ID": room.instanceId,
      "Msg-ID": randomBytes(8).toString("hex"),
      Node: "ecallmgr@sim.parley.local",
    };
    if (caller) {
      Object.assign(body, {
        "Call-ID": caller.callId,
        "Caller-ID-Name": caller.name,
        "Caller-ID-Number": caller.number,
        "Channel-Presence-ID": `${caller.number}@sim.parley.local`,
        "Participant-ID": caller.memberId,
        "Custom-Channel-Vars": {
          "Account-ID": accountId,
          "Presence-ID": `${caller.number}@sim.parley.local`,
          Username: caller.name.toLowerCase(),
          Realm: "sim.parley.local",
        },
        "Conference-Channel-Vars": {
          "Current-Energy": caller.talking ? Math.round(between(300, 900)) : 0,
          "Energy-Level": 20,
          Floor: caller.talking,
          Hear: caller.hear,
          "Is-Moderator": caller.moderator,
          "Member-Ghost": false,
          "Member-ID": caller.memberId,
          "Mute-Detect": false,
          See: true,
          Speak: caller.speak,
          Talking: caller.talking,
          Video: false,
        },
      });
    }
    const segment = encodeURIComponent(callSlot).replaceAll(".", "%2E");
    link.publish(`conference.event.${event}.${accountId}.${room.id}.${segment}`, body);
    options.onEvent?.(event);
  };

  const join = (room: Room, moderator = false) => {
    if (room.locked) {
      return;
    }
    if (!room.running) {
      room.running = true;
      room.instanceId = randomUUID();
      room.startedAt = Date.now();
      publish(room, "conference-create");
    }
    room.nextMember += 1;
    const name = firstNames[Math.floor(random() * firstNames.length)] ?? "Caller";
    const caller: Caller = {
      callId: randomUUID(),
      memberId: room.nextMember,
      name: moderator ? `${name} (host)` : name,
      number: String(1000 + Math.floor(random() * 9000)),
      moderator,
      speak: !moderator && room.callers.size > 2 ? random() > 0.5 : true,
      hear: true,
      talking: false,
      speaking: false,
      until: Date.now() + ms(between(500, 4000)),
      flipAt: undefined,
      joinedAt: Date.now(),
    };
    room.callers.set(caller.memberId, caller);
    publish(room, "add-member", caller);
  };

  const leave = (room: Room, caller: Caller) => {
    room.callers.delete(caller.memberId);
    caller.talking = false;
    publish(room, "del-member", caller);
    if (room.callers.size === 0) {
      room.running = false;
      room.locked = false;
      publish(room, "conference-destroy");
    }
  };

  const tickSpeech = (room: Room, now: number) => {
    for (const caller of room.callers.values()) {
      if (now >= caller.until) {
        caller.speaking = !caller.speaking && caller.speak && random() < 0.6;
        caller.until = now + ms(caller.speaking ? between(800, 5000) : between(1000, 6000));
        caller.flipAt = now + ms(caller.speaking ? 100 : 800);
      }
      if (caller.flipAt !== undefined && now >= caller.flipAt) {
        caller.flipAt = undefined;
        if (caller.speaking !== caller.talking) {
          caller.talking = caller.speaking;
          publish(room, caller.talking ? "start-talking" : "stop-talking", caller);
        }
      }
    }
  };

  const tickPresence = (room: Room) => {
    const count = room.callers.size;
    // Per 50 ms tick: a caller joins about every 25 s and leaves about every 50 s per room.
    if (count < minCallers || (count < maxCallers && random() < 0.002)) {
      join(room, count === 0);
    } else if (count > minCallers && random() < 0.001) {
      const leaving = [...room.callers.values()].filter((c) => !c.moderator);
      const caller = leaving[Math.floor(random() * leaving.length)];
      if (caller) {
        leave(room, caller);
      }
    }
  };

  const obey = (command: Record<string, unknown>) => {
    const room = rooms.get(String(command["Conference-ID"]));
    if (!room) {
      return;
    }
    const caller = room.callers.get(Number(command["Participant-ID"]));
    switch (command["Application-Name"]) {
      case "lock":
      case "unlock":
        room.locked = command["Application-Name"] === "lock";
        publish(room, command["Application-Name"] as string);
        return;
      case "kick":
        if (caller) {
          leave(room, caller);
        }
        return;
      case "mute_participant":
      case "unmute_participant":
        if (caller) {
          caller.speak = command["Application-Name"] === "unmute_participant";
          if (!caller.speak && caller.talking) {
            caller.talking = false;
            caller.speaking = false;
          }
          publish(room, caller.speak ? "unmute-member" : "mute-member", caller);
        }
        return;
      case "deaf_participant":
      case "undeaf_participant":
        if (caller) {
          caller.hear = command["Application-Name"] === "undeaf_participant";
          publish(room, caller.hear ? "undeaf-member" : "deaf-member", caller);
        }
        return;
    }
  };

  for (const id of options.conferenceIds) {
    rooms.set(id, {
      id,
      instanceId: randomUUID(),
      nextMember: 0,
      callers: new Map(),
      locked: false,
      running: false,
      startedAt: 0,
    });
  }
  const unsubscribe = link.onCommand(obey);
  const unsubscribeSearch = link.onSearch?.((request) =>
    answerSearch(request, rooms.values(), accountId),
  );
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const room of rooms.values()) {
        tickPresence(room);
        tickSpeech(room, now);
      }
    },
    Math.max(10, ms(50)),
  );
  timer.unref();

  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      unsubscribeSearch?.();
    },
  };
}
