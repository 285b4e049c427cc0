/**
 * Who does the work a cluster must do once. A node sends the webhooks of the partitions it
 * holds the lease for, and runs meeting reminders and reconciliation rounds when it holds
 * theirs; a node alone (the embedded bus) holds every lease.
 * @module
 */

export interface WorkLeases {
  /** Whether this node sends for `webhookId` (its partition's lease). */
  ownsEndpoint(webhookId: string): boolean;
  /** Whether this node holds the lease `name` (`reminders`, `reconcile`). */
  holds(name: "reminders" | "reconcile"): boolean;
  /** The leases held now (metrics, `/readyz`). */
  held(): string[];
  /** Calls `listener` when a lease is gained or lost; returns an unsubscribe function. */
  onChange(listener: (name: string, held: boolean) => void): () => void;
}

/** Every lease, for a node alone. */
export const soleNodeLeases: WorkLeases = {
  ownsEndpoint: () => true,
  holds: () => true,
  held: () => ["all"],
  onChange: () => () => {},
};
