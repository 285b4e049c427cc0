/**
 * The webhooks screen, an app portal for the account's endpoints: the list (`#webhooks`), a new
 * endpoint's form (`#webhooks/new`), and one endpoint with its secret and delivery log
 * (`#webhooks/{W}`). It reads only the public API (webhooks-api.ts); each part draws itself
 * (webhooks-list.ts, webhooks-form.ts, webhooks-endpoint.ts).
 * @module
 */

import type { ApiClient } from "./api-client";
import { messageOf } from "./api-client";
import { heading, para } from "./dom";
import type { Route } from "./routes";
import { webhooksHref } from "./routes";
import type { Screen } from "./screen";
import { type ConferenceChoice, WebhooksApi } from "./webhooks-api";
import { EndpointView } from "./webhooks-endpoint";
import { endpointForm } from "./webhooks-form";
import { endpointTable } from "./webhooks-list";
import { linkButton } from "./webhooks-render";

/** The webhooks screen: shown by main.ts for the `webhooks`, `webhook-new` and `webhook` routes. */
export class WebhooksScreen implements Screen {
  readonly root: HTMLElement;
  readonly #api: WebhooksApi;
  /** Bumped by each visit, so an answer for a screen the operator left is dropped. */
  #generation = 0;
  #endpoint: EndpointView | undefined;

  constructor(client: ApiClient, root: HTMLElement) {
    this.#api = new WebhooksApi(client);
    this.root = root;
  }

  async show(route: Route): Promise<void> {
    this.#leave();
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const status = para("Loading…", "status");
    switch (route.screen) {
      case "webhook":
        document.title = "parley — webhook endpoint";
        this.root.replaceChildren(heading("Webhook endpoint"), status);
        return this.#attempt(status, () => this.#showEndpoint(route.webhookId, current));
      case "webhook-new":
        document.title = "parley — new webhook endpoint";
        this.root.replaceChildren(heading("New endpoint"), status);
        return this.#attempt(status, () => this.#showNew(current));
      default:
        document.title = "parley — webhooks";
        this.root.replaceChildren(heading("Webhooks"), status);
        return this.#attempt(status, () => this.#showList(current));
    }
  }

  close(): void {
    this.#generation += 1;
    this.#leave();
    this.root.replaceChildren();
  }

  async #showList(current: () => boolean): Promise<void> {
    const endpoints = await this.#api.list();
    if (!current()) {
      return;
    }
    const title = heading("Webhooks");
    const head = document.createElement("div");
    head.className = "panel-head";
    head.append(title, linkButton("New endpoint", webhooksHref("new")));
    const about = para(
      "parley posts the account's events to these endpoints, signed the Standard Webhooks way.",
      undefined,
      "help",
    );
    this.root.replaceChildren(head, about, endpointTable(endpoints));
    title.focus();
  }

  async #showNew(current: () => boolean): Promise<void> {
    const [catalogue, conferences] = await Promise.all([
      this.#api.catalogue(),
      this.#conferences(),
    ]);
    if (!current()) {
      return;
    }
    const title = heading("New endpoint");
    const head = document.createElement("div");
    head.className = "panel-head";
    head.append(title, linkButton("All endpoints", webhooksHref()));
    const form = endpointForm({
      eventTypes: catalogue.eventTypes,
      formats: catalogue.formats,
      conferences,
      submitLabel: "Create endpoint",
      onSubmit: async (input) => {
        const created = await this.#api.create(input);
        location.hash = webhooksHref(created.id);
      },
    });
    this.root.replaceChildren(head, form);
    title.focus();
  }

  async #showEndpoint(webhookId: string, current: () => boolean): Promise<void> {
    const [endpoint, catalogue, conferences] = await Promise.all([
      this.#api.read(webhookId),
      this.#api.catalogue(),
      this.#conferences(),
    ]);
    if (!current()) {
      return;
    }
    const view = new EndpointView(this.#api, endpoint, {
      eventTypes: catalogue.eventTypes,
      formats: catalogue.formats,
      conferences,
    });
    this.#endpoint = view;
    document.title = `parley — webhook ${endpoint.name}`;
    this.root.replaceChildren(view.element);
    view.title.focus();
    await view.loadLog();
  }

  /** The account's conferences for the form's filter; none when they cannot be read. */
  async #conferences(): Promise<ConferenceChoice[]> {
    try {
      return await this.#api.conferences();
    } catch {
      return [];
    }
  }

  /** Runs a visit, saying on its status line why it failed. */
  async #attempt(status: HTMLElement, visit: () => Promise<void>): Promise<void> {
    try {
      await visit();
    } catch (error) {
      status.setAttribute("role", "alert");
      status.classList.add("error");
      status.textContent = `Could not show this: ${messageOf(error)}`;
    }
  }

  #leave(): void {
    this.#endpoint?.close();
    this.#endpoint = undefined;
  }
}
