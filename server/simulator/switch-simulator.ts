/**
 * A media-server stand-in: runs a few conferences, joins and drops callers, and speaks Kazoo's
 * current conference event feed exactly as ecallmgr publishes it. Talking follows FreeSWITCH's
 * voice detection: `start-talking` about 100 ms into speech, `stop-talking` after about 800 ms of
 * silence. It obeys commands (mute → `mute-member`, kick → `del-member`, lock → `lock`, …).
 * @module
 */
import { randomUUID } from "node:crypto";
import { answerSearch } from "./search-answer";
import { type Caller, emptyRoom, type Room, switchEvent } from "./switch-events";

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

/** Marks the room's first caller, its moderator, who never leaves on its own. */
const hostSuffix = " (host)";

export interface Simulator {
  stop(): void;
}

export function startSimulator(options: SimulatorOptions): Simulator {
  return new SwitchSimulator(options);
}

/** The rooms, a 50 ms tick that moves callers and their voices, and the commands it obeys. */
class SwitchSimulator implements Simulator {
  readonly #options: SimulatorOptions;
  readonly #random: () => number;
  readonly #speed: number;
  readonly #callers: [number, number];
  readonly #rooms = new Map<string, Room>();
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(options: SimulatorOptions) {
    const { link } = options;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#speed = options.speed ?? 1;
    this.#callers = options.callers ?? [3, 6];
    for (const id of options.conferenceIds) {
      this.#rooms.set(id, emptyRoom(id));
    }
    this.#unsubscribe.push(link.onCommand((command) => this.#obey(command)));
    const unsubscribeSearch = link.onSearch?.((request) =>
      answerSearch(request, this.#rooms.values(), options.accountId),
    );
    if (unsubscribeSearch) {
      this.#unsubscribe.push(unsubscribeSearch);
    }
    this.#timer = setInterval(() => this.#tick(), Math.max(10, this.#ms(50)));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe) {
      off();
    }
  }

  #ms(n: number): number {
    return n * this.#speed;
  }

  #between(a: number, b: number): number {
    return a + this.#random() * (b - a);
  }

  #tick(): void {
    const now = Date.now();
    for (const room of this.#rooms.values()) {
      this.#tickPresence(room);
      this.#tickSpeech(room, now);
    }
  }

  #publish(room: Room, event: string, caller?: Caller): void {
    const energy = caller?.talking ? Math.round(this.#between(300, 900)) : 0;
    const { routingKey, body } = switchEvent(this.#options.accountId, room, event, caller, energy);
    this.#options.link.publish(routingKey, body);
    this.#options.onEvent?.(event);
  }

  #join(room: Room, moderator = false): void {
    if (room.locked) {
      return;
    }
    if (!room.running) {
      room.running = true;
      room.instanceId = randomUUID();
      room.startedAt = Date.now();
      this.#publish(room, "conference-create");
    }
    room.nextMember += 1;
    const random = this.#random;
    const name = this.#freshName(room);
    const caller: Caller = {
      callId: randomUUID(),
      memberId: room.nextMember,
      name: moderator ? `${name}${hostSuffix}` : name,
      number: String(1000 + Math.floor(random() * 9000)),
      moderator,
      speak: !moderator && room.callers.size > 2 ? random() > 0.5 : true,
      hear: true,
      talking: false,
      speaking: false,
      until: Date.now() + this.#ms(this.#between(500, 4000)),
      flipAt: undefined,
      joinedAt: Date.now(),
    };
    room.callers.set(caller.memberId, caller);
    this.#publish(room, "add-member", caller);
  }

  /**
   * A first name nobody in the room has now, so an operator can tell the callers of one room
   * apart (two "Ada"s in one list read as a bug); past ten callers, a numbered one.
   */
  #freshName(room: Room): string {
    const taken = new Set([...room.callers.values()].map((c) => c.name.replace(hostSuffix, "")));
    const free = firstNames.filter((name) => !taken.has(name));
    const name = free[Math.floor(this.#random() * free.length)];
    return name ?? `Caller ${room.nextMember}`;
  }

  #leave(room: Room, caller: Caller): void {
    room.callers.delete(caller.memberId);
    caller.talking = false;
    this.#publish(room, "del-member", caller);
    if (room.callers.size === 0) {
      room.running = false;
      room.locked = false;
      this.#publish(room, "conference-destroy");
    }
  }

  /** Speech bursts and silences; voice detection follows them with FreeSWITCH's delays. */
  #tickSpeech(room: Room, now: number): void {
    for (const caller of room.callers.values()) {
      if (now >= caller.until) {
        caller.speaking = !caller.speaking && caller.speak && this.#random() < 0.6;
        const span = caller.speaking ? this.#between(800, 5000) : this.#between(1000, 6000);
        caller.until = now + this.#ms(span);
        caller.flipAt = now + this.#ms(caller.speaking ? 100 : 800);
      }
      if (caller.flipAt !== undefined && now >= caller.flipAt) {
        caller.flipAt = undefined;
        if (caller.speaking !== caller.talking) {
          caller.talking = caller.speaking;
          this.#publish(room, caller.talking ? "start-talking" : "stop-talking", caller);
        }
      }
    }
  }

  #tickPresence(room: Room): void {
    const [minCallers, maxCallers] = this.#callers;
    const count = room.callers.size;
    // Per 50 ms tick: a caller joins about every 25 s and leaves about every 50 s per room.
    if (count < minCallers || (count < maxCallers && this.#random() < 0.002)) {
      this.#join(room, count === 0);
    } else if (count > minCallers && this.#random() < 0.001) {
      const leaving = [...room.callers.values()].filter((c) => !c.moderator);
      const caller = leaving[Math.floor(this.#random() * leaving.length)];
      if (caller) {
        this.#leave(room, caller);
      }
    }
  }

  /** Does what a Kazoo command asks, and says so as the media server would. */
  #obey(command: Record<string, unknown>): void {
    const room = this.#rooms.get(String(command["Conference-ID"]));
    if (!room) {
      return;
    }
    const application = command["Application-Name"];
    if (application === "lock" || application === "unlock") {
      room.locked = application === "lock";
      this.#publish(room, application);
      return;
    }
    const caller = room.callers.get(Number(command["Participant-ID"]));
    if (caller) {
      this.#obeyForCaller(room, caller, application);
    }
  }

  #obeyForCaller(room: Room, caller: Caller, application: unknown): void {
    switch (application) {
      case "kick":
        this.#leave(room, caller);
        return;
      case "mute_participant":
      case "unmute_participant":
        caller.speak = application === "unmute_participant";
        if (!caller.speak && caller.talking) {
          caller.talking = false;
          caller.speaking = false;
        }
        this.#publish(room, caller.speak ? "unmute-member" : "mute-member", caller);
        return;
      case "deaf_participant":
      case "undeaf_participant":
        caller.hear = application === "undeaf_participant";
        this.#publish(room, caller.hear ? "undeaf-member" : "deaf-member", caller);
        return;
    }
  }
}
