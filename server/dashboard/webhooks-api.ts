/**
 * The webhooks screen's calls to parley's public API, typed with the `protocol/` schemas the
 * server answers with: the catalogue (`/v2/webhooks`), the endpoints and their actions, the
 * signing secret, and the delivery log. Only documented routes, so anything the screen does an
 * operator's script can do with curl.
 * @module
 */
import type { z } from "zod";
import type { webhookEventTypeView, webhookFormatView } from "../../protocol/webhook-catalogue";
import type {
  DeliveryStatus,
  deliveryDetail,
  deliveryView,
} from "../../protocol/webhook-deliveries";
import type { subscriptionView, webhookSecretView } from "../../protocol/webhooks";
import type { ApiClient } from "./api-client";

/** An endpoint as listed and read, with how it is doing under `_read_only`. */
export type Endpoint = z.infer<typeof subscriptionView>;
/** An event type of the catalogue. */
export type EventTypeEntry = z.infer<typeof webhookEventTypeView>;
/** A body format of the catalogue. */
export type FormatEntry = z.infer<typeof webhookFormatView>;
/** A delivery of the log. */
export type Delivery = z.infer<typeof deliveryView>;
/** A delivery with every attempt. */
export type DeliveryWithAttempts = z.infer<typeof deliveryDetail>;
/** The secrets `…/secret` reveals. */
export type EndpointSecrets = z.infer<typeof webhookSecretView>;

/** What the endpoint form sends; `conference_id: null` removes the filter on an edit. */
export interface EndpointInput {
  name: string;
  url: string;
  format: string;
  event_types: string[];
  conference_id: string | null;
  enabled: boolean;
  ordered: boolean;
}

/** The log's search: each field given narrows it. `since` is ISO 8601. */
export interface DeliveryFilters {
  status?: DeliveryStatus;
  event_type?: string;
  q?: string;
  since?: string;
}

/** A page of the log and where the next (older) one starts; none on the last page. */
export interface DeliveryPage {
  deliveries: Delivery[];
  nextStartKey: string | undefined;
}

/** A conference the filter can name. */
export interface ConferenceChoice {
  id: string;
  name?: string;
}

/** How many deliveries a page of the log shows. */
export const DELIVERY_PAGE = 25;

const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

/** The webhook routes, for one signed-in account. */
export class WebhooksApi {
  readonly #client: ApiClient;
  /** The catalogue never changes while parley runs: read once per page. */
  #catalogue: Promise<{ eventTypes: EventTypeEntry[]; formats: FormatEntry[] }> | undefined;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** The event types and body formats an endpoint can choose. */
  catalogue(): Promise<{ eventTypes: EventTypeEntry[]; formats: FormatEntry[] }> {
    this.#catalogue ??= Promise.all([
      this.#client.requestGlobal<EventTypeEntry[]>("GET", "/v2/webhooks"),
      this.#client.requestGlobal<FormatEntry[]>("GET", "/v2/webhooks/formats"),
    ]).then(([eventTypes, formats]) => ({ eventTypes, formats }));
    // A failure is not kept: the next visit asks again.
    this.#catalogue.catch(() => {
      this.#catalogue = undefined;
    });
    return this.#catalogue;
  }

  list(): Promise<Endpoint[]> {
    return this.#client.request("GET", "/webhooks");
  }

  read(id: string): Promise<Endpoint> {
    return this.#client.request("GET", path(id));
  }

  /** Creates an endpoint; the answer shows its secret, once. */
  create(input: EndpointInput): Promise<Endpoint> {
    const { conference_id, ...fields } = input;
    return this.#client.request("PUT", "/webhooks", {
      ...fields,
      ...(conference_id ? { conference_id } : {}),
    });
  }

  /** Merges the form's fields in (PATCH), so what the form does not show (bbb_secret) stays. */
  update(id: string, input: Partial<EndpointInput>): Promise<Endpoint> {
    return this.#client.request("PATCH", path(id), input);
  }

  remove(id: string): Promise<unknown> {
    return this.#client.request("DELETE", path(id));
  }

  secrets(id: string): Promise<EndpointSecrets> {
    return this.#client.request("GET", `${path(id)}/secret`);
  }

  /** A new secret; the old one keeps signing beside it for 24 hours. */
  rotateSecret(id: string): Promise<Endpoint> {
    return this.#client.request("PUT", path(id), { action: "rotate_secret" });
  }

  /** Sends a `webhook.ping`; answers its delivery's id. */
  async ping(id: string): Promise<string> {
    const answer = await this.#client.request<{ delivery_id: string }>("PUT", path(id), {
      action: "ping",
    });
    return answer.delivery_id;
  }

  /** Sends again what failed since `since` (ISO 8601); answers how many. */
  async recover(id: string, since: string): Promise<number> {
    const answer = await this.#client.request<{ recovered: number }>("PUT", path(id), {
      action: "recover",
      since,
    });
    return answer.recovered;
  }

  /** A page of the log, newest first, from `startKey` when given. */
  async deliveries(
    id: string,
    filters: DeliveryFilters,
    startKey?: string,
    limit = DELIVERY_PAGE,
  ): Promise<DeliveryPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    for (const [key, value] of Object.entries(filters)) {
      if (value) {
        query.set(key, value);
      }
    }
    if (startKey) {
      query.set("start_key", startKey);
    }
    const envelope = await this.#client.send("GET", `${path(id)}/deliveries?${query}`);
    return {
      deliveries: (envelope.data ?? []) as Delivery[],
      nextStartKey: envelope.next_start_key,
    };
  }

  delivery(id: string, deliveryId: string): Promise<DeliveryWithAttempts> {
    return this.#client.request("GET", `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}`);
  }

  /** Schedules one delivery again now. */
  retry(id: string, deliveryId: string): Promise<DeliveryWithAttempts> {
    return this.#client.request("PUT", `${path(id)}/deliveries/${encodeURIComponent(deliveryId)}`, {
      action: "retry",
    });
  }

  /** The account's conferences, for the conference filter. */
  conferences(): Promise<ConferenceChoice[]> {
    return this.#client.request("GET", "/conferences");
  }
}
