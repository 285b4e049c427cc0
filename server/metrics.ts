/**
 * Prometheus metrics (`GET /metrics`): what operators graph and alert on. Labels never carry
 * tenant data or unbounded input: event names outside Kazoo's list count as `other`, dead-letter
 * reasons are reduced to a few kinds, HTTP routes are their patterns.
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { knownConferenceEvents } from "../protocol/events";

const known: ReadonlySet<string> = new Set(knownConferenceEvents);

/** The dead-letter reason's kind, for a bounded label. */
export function reasonKind(reason: string): string {
  const kinds: Array<[RegExp, string]> = [
    [/too large/, "too_large"],
    [/routing key/, "unknown_routing_key"],
    [/not valid JSON/, "invalid_json"],
    [/not a JSON object/, "not_an_object"],
    [/^invalid/, "invalid_fields"],
    [/another account/, "foreign_conference"],
    [/unknown account/, "unknown_account"],
    [/no account/, "no_account"],
  ];
  return kinds.find(([pattern]) => pattern.test(reason))?.[1] ?? "other";
}

export interface Metrics {
  registry: Registry;
  eventsIngested: Counter<"event">;
  deadLettered: Counter<"reason">;
  batchSize: Histogram;
  commitSeconds: Histogram;
  eventLagSeconds: Histogram;
  /** Seconds from an entry's append (on whichever node) to its commit on this node. */
  logApplyLagSeconds: Histogram;
  leaseAcquired: Counter<"lease">;
  framesSent: Counter;
  framesDropped: Counter<"reason">;
  deliveries: Counter<"outcome">;
  deliverySeconds: Histogram;
  httpRequests: Counter<"method" | "route" | "status">;
  httpSeconds: Histogram<"method" | "route">;
  /** Rows the retention removed: `events` (the log), `sessions`, `participants` (history). */
  prunedRows: Counter<"table">;
  /** Records one ingested event by name (unknown names count as `other`). */
  ingested(event: string): void;
  /**
   * Adds a gauge its owner reads at scrape time (the WebSocket gateway its connections, the bus
   * its link): each part registers what it knows, when it exists.
   */
  gauge(spec: GaugeSpec): void;
}

/** A gauge read when Prometheus scrapes: one value, or one per label set. */
export interface GaugeSpec {
  name: string;
  help: string;
  labelNames?: readonly string[];
  read(): number | Array<{ labels: Record<string, string>; value: number }>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "parley_" });
  const registers = [registry];
  const eventsIngested = new Counter({
    name: "parley_events_ingested_total",
    help: "Events committed to the event log, by conference event name",
    labelNames: ["event"] as const,
    registers,
  });
  return {
    registry,
    eventsIngested,
    deadLettered: new Counter({
      name: "parley_events_dead_lettered_total",
      help: "Inbound messages refused, by kind of reason",
      labelNames: ["reason"] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: "parley_ingest_batch_size",
      help: "Messages per ingest batch (one transaction)",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers,
    }),
    commitSeconds: new Histogram({
      name: "parley_ingest_commit_seconds",
      help: "Time to apply and commit one ingest batch",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    eventLagSeconds: new Histogram({
      name: "parley_ingest_lag_seconds",
      help: "Time from a message's arrival to its commit (queue lag inside parley)",
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    logApplyLagSeconds: new Histogram({
      name: "parley_log_apply_lag_seconds",
      help: "Time from a log entry's append (on any node) to its commit on this node",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
      registers,
    }),
    leaseAcquired: new Counter({
      name: "parley_lease_acquired_total",
      help: "Times this node took a lease (a failover when another node held it before)",
      labelNames: ["lease"],
      registers,
    }),
    framesSent: new Counter({
      name: "parley_ws_frames_sent_total",
      help: "Event frames pushed to WebSocket clients",
      registers,
    }),
    framesDropped: new Counter({
      name: "parley_ws_frames_dropped_total",
      help: "Frames not sent, by reason (slow consumer)",
      labelNames: ["reason"] as const,
      registers,
    }),
    deliveries: new Counter({
      name: "parley_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome",
      labelNames: ["outcome"] as const,
      registers,
    }),
    deliverySeconds: new Histogram({
      name: "parley_webhook_delivery_seconds",
      help: "Webhook request duration",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    httpRequests: new Counter({
      name: "parley_http_requests_total",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      registers,
    }),
    httpSeconds: new Histogram({
      name: "parley_http_request_seconds",
      help: "HTTP request duration by method and route pattern",
      labelNames: ["method", "route"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    prunedRows: new Counter({
      name: "parley_retention_pruned_rows_total",
      help: "Rows removed by retention, by table (events, sessions, participants)",
      labelNames: ["table"] as const,
      registers,
    }),
    ingested(event) {
      eventsIngested.inc({ event: known.has(event) ? event : "other" });
    },
    gauge(spec) {
      new Gauge({
        name: spec.name,
        help: spec.help,
        labelNames: spec.labelNames ?? [],
        registers,
        collect() {
          const value = spec.read();
          if (typeof value === "number") {
            this.set(value);
            return;
          }
          for (const entry of value) {
            this.set(entry.labels, entry.value);
          }
        },
      });
    },
  };
}
