/**
 * An endpoint's delivery log on its screen: a search (status, event type, a delivery or event id
 * or its beginning, since a time), newest first, with "Load more". While a delivery on screen is
 * still open (pending or retrying) the log reads itself again, about when its next attempt is
 * due: new deliveries appear at the top and the rows on screen change in place.
 * @module
 */

import type { DeliveryStatus } from "../../protocol/webhook-deliveries";
import { messageOf } from "./api-client";
import { heading, para } from "./dom";
import type { Delivery, DeliveryFilters, EventTypeEntry, WebhooksApi } from "./webhooks-api";
import { type DeliveryRow, deliveryRow, deliveryTableHead } from "./webhooks-delivery-row";
import { field, isoFromLocal } from "./webhooks-render";

const statuses: DeliveryStatus[] = ["pending", "retrying", "succeeded", "dead"];
/** Bounds of the wait before reading an open delivery again. */
const minPollMs = 700;
const maxPollMs = 10_000;

/** The log of one endpoint; `onChange` is told when a delivery's state moved (the header reads its figures again). */
export class DeliveryLogView {
  readonly element: HTMLElement;
  readonly #api: WebhooksApi;
  readonly #webhookId: string;
  readonly #onChange: () => void;
  readonly #rows = new Map<string, DeliveryRow>();
  readonly #table = document.createElement("table");
  readonly #status = para("", "status");
  readonly #more = document.createElement("button");
  readonly #moreError = para("", "alert");
  readonly #searchError = para("", "alert");
  #filters: DeliveryFilters = {};
  #nextStartKey: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Reads in a row that found nothing new: each one doubles the wait (a parked delivery). */
  #idle = 0;
  #closed = false;

  constructor(
    api: WebhooksApi,
    webhookId: string,
    eventTypes: EventTypeEntry[],
    onChange: () => void,
  ) {
    this.#api = api;
    this.#webhookId = webhookId;
    this.#onChange = onChange;
    this.element = document.createElement("section");
    this.element.className = "delivery-log";
    const title = heading("Delivery log", "h3");
    title.id = `delivery-log-${webhookId}`;
    this.element.setAttribute("aria-labelledby", title.id);
    this.#table.className = "stack deliveries";
    this.#table.append(deliveryTableHead());
    this.#more.type = "button";
    this.#more.className = "load-more";
    this.#more.textContent = "Load more";
    this.#more.hidden = true;
    this.#more.addEventListener("click", () => void this.#loadMore());
    this.element.append(
      title,
      this.#searchForm(eventTypes),
      this.#status,
      this.#table,
      this.#more,
      this.#moreError,
    );
  }

  /** Reads the first page for the current search, replacing what is shown. */
  async load(): Promise<void> {
    this.#stopPolling();
    this.#status.textContent = "Reading the log…";
    const page = await this.#api.deliveries(this.#webhookId, this.#filters);
    for (const row of this.#rows.values()) {
      row.body.remove();
    }
    this.#rows.clear();
    this.#append(page.deliveries);
    this.#nextStartKey = page.nextStartKey;
    this.#afterRead();
  }

  /**
   * Reads the newest page again and every open delivery on screen: new ones go on top, changed
   * ones change in place. Polls again while any is open.
   */
  refresh(): Promise<void> {
    this.#idle = 0;
    return this.#read();
  }

  /** One read for {@link refresh} and for each poll. */
  async #read(): Promise<void> {
    this.#stopPolling();
    try {
      const page = await this.#api.deliveries(this.#webhookId, this.#filters);
      const seen = new Set(page.deliveries.map((d) => d.id));
      const open = [...this.#rows.values()].filter(
        (row) => isOpen(row.delivery) && !seen.has(row.delivery.id),
      );
      const reread = await Promise.all(
        open.map((row) => this.#api.delivery(this.#webhookId, row.delivery.id)),
      );
      let moved = false;
      const fresh: Delivery[] = [];
      for (const delivery of [...page.deliveries, ...reread]) {
        const row = this.#rows.get(delivery.id);
        if (!row) {
          fresh.push(delivery);
        } else if (changed(row.delivery, delivery)) {
          row.update(delivery);
          moved = true;
        }
      }
      for (const delivery of fresh) {
        this.#insertInOrder(this.#draw(delivery));
      }
      if (moved || fresh.length > 0) {
        this.#idle = 0;
        this.#onChange();
      } else {
        this.#idle += 1;
      }
      this.#afterRead();
    } catch (error) {
      // Tried again later (the wait doubling), in case the network or parley comes back.
      this.#idle += 1;
      this.#afterRead();
      this.#status.textContent = `Could not read the log again: ${messageOf(error)}`;
    }
  }

  /** Says why the log could not be read, next to its search. */
  report(message: string): void {
    this.#status.textContent = "";
    this.#searchError.textContent = message;
  }

  /** Stops reading: the screen was left. */
  close(): void {
    this.#closed = true;
    this.#stopPolling();
  }

  #searchForm(eventTypes: EventTypeEntry[]): HTMLFormElement {
    const form = document.createElement("form");
    form.className = "log-search";
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Search the delivery log");
    form.noValidate = true;
    const status = field("Status", document.createElement("select"));
    status.control.append(new Option("Any status", ""));
    for (const s of statuses) {
      status.control.append(new Option(s, s));
    }
    const type = field("Event type", document.createElement("select"));
    type.control.append(new Option("Any event", ""));
    for (const entry of [...eventTypes.map((e) => e.id), "webhook.ping"]) {
      type.control.append(new Option(entry, entry));
    }
    const q = field("Delivery or event id", document.createElement("input"));
    q.control.type = "search";
    q.control.placeholder = "msg_… or evt_…, or their beginning";
    const since = field("Created since", document.createElement("input"));
    since.control.type = "datetime-local";
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Search";
    const reset = document.createElement("button");
    reset.type = "reset";
    reset.textContent = "Clear";
    const buttons = document.createElement("div");
    buttons.className = "log-search-buttons";
    buttons.append(submit, reset);
    form.append(status.wrapper, type.wrapper, q.wrapper, since.wrapper, buttons, this.#searchError);
    const search = async () => {
      this.#searchError.textContent = "";
      this.#filters = {
        ...(status.control.value ? { status: status.control.value as DeliveryStatus } : {}),
        ...(type.control.value ? { event_type: type.control.value } : {}),
        ...(q.control.value.trim() ? { q: q.control.value.trim() } : {}),
        ...(isoFromLocal(since.control.value) ? { since: isoFromLocal(since.control.value) } : {}),
      };
      try {
        await this.load();
      } catch (error) {
        this.#searchError.textContent = `Search failed: ${messageOf(error)}`;
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void search();
    });
    // After the browser has cleared the fields.
    form.addEventListener("reset", () => setTimeout(() => void search()));
    return form;
  }

  async #loadMore(): Promise<void> {
    if (!this.#nextStartKey) {
      return;
    }
    this.#moreError.textContent = "";
    this.#more.disabled = true;
    try {
      const page = await this.#api.deliveries(this.#webhookId, this.#filters, this.#nextStartKey);
      this.#append(page.deliveries.filter((d) => !this.#rows.has(d.id)));
      this.#nextStartKey = page.nextStartKey;
      this.#afterRead();
    } catch (error) {
      this.#moreError.textContent = `Loading more failed: ${messageOf(error)}`;
    } finally {
      this.#more.disabled = false;
    }
  }

  #append(deliveries: Delivery[]): void {
    for (const delivery of deliveries) {
      this.#table.append(this.#draw(delivery).body);
    }
  }

  /**
   * Puts a row that was not on screen where it belongs, newest first: usually on top (a new
   * delivery), lower when an older one came to match the search (it just died, say).
   */
  #insertInOrder(row: DeliveryRow): void {
    const created = Date.parse(row.delivery.created);
    const before = [...this.#table.tBodies].find((body) => {
      const other = this.#rows.get(body.dataset.delivery ?? "");
      return other !== undefined && Date.parse(other.delivery.created) < created;
    });
    this.#table.insertBefore(row.body, before ?? null);
  }

  #draw(delivery: Delivery): DeliveryRow {
    const row = deliveryRow(delivery, {
      attempts: (id) => this.#api.delivery(this.#webhookId, id),
      retry: async (id) => {
        const retried = await this.#api.retry(this.#webhookId, id);
        this.#onChange();
        this.#idle = 0;
        this.#schedule(minPollMs);
        return retried;
      },
    });
    this.#rows.set(delivery.id, row);
    return row;
  }

  /** Says how many are shown, offers more, and polls while a delivery on screen is open. */
  #afterRead(): void {
    const count = this.#rows.size;
    this.#status.textContent =
      count === 0
        ? "No deliveries match."
        : `${count} ${count === 1 ? "delivery" : "deliveries"} shown, newest first.`;
    this.#table.hidden = count === 0;
    this.#more.hidden = this.#nextStartKey === undefined;
    const open = [...this.#rows.values()].map((r) => r.delivery).filter(isOpen);
    if (open.length > 0) {
      const due = Math.min(
        ...open.map((d) => (d.next_attempt_at ? Date.parse(d.next_attempt_at) : Date.now())),
      );
      this.#schedule(Math.max(due - Date.now() + 300, minPollMs * 2 ** this.#idle));
    }
  }

  #schedule(inMs: number): void {
    if (this.#closed) {
      return;
    }
    this.#stopPolling();
    const wait = Math.min(Math.max(inMs, minPollMs), maxPollMs);
    this.#timer = setTimeout(() => void this.#read(), wait);
  }

  #stopPolling(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function isOpen(delivery: Delivery): boolean {
  return delivery.status === "pending" || delivery.status === "retrying";
}

function changed(a: Delivery, b: Delivery): boolean {
  return a.status !== b.status || a.attempt_count !== b.attempt_count || a.updated !== b.updated;
}
