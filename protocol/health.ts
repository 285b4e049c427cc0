/**
 * What `/healthz` and `/readyz` answer: liveness, and the state of each dependency.
 * @module
 */
import { z } from "zod";

/** `GET /healthz`: the process answers. */
export const liveness = z.strictObject({ status: z.literal("ok") });

/** `GET /readyz`: 200 `ready`, or 503 `unavailable` with what is wrong. */
export const readiness = z
  .strictObject({
    status: z.enum(["ready", "unavailable"]),
    /** `not_writable`: reads work but a write did not commit (disk full, read-only, locked). */
    database: z.enum(["ok", "not_writable"]),
    database_error: z.string().optional(),
    bus: z.enum(["embedded", "connected", "disconnected"]),
    /** This node's name in the cluster (`PARLEY_NODE_ID`, else host:port). */
    node: z.string(),
    /** `following` once the node has applied the replicated log up to its own join entry. */
    log: z.enum(["following", "catching_up", "unreachable", "broken"]),
  })
  .meta({ id: "Readiness" });
