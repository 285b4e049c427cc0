/**
 * The account screen (`#account`): who the console is working as, the session's expiry, the
 * bbb-webhooks secret (masked until revealed), and rotating the API key. parley keeps only a
 * digest of the key, so a lost key cannot be shown again; rotation answers a new one, once, and
 * the old one, with every token exchanged for it, stops working at once. The console exchanges
 * the new key for its own next token, so rotating does not sign the operator out.
 * @module
 */
import type { AccountView, RotatedApiKey } from "./account-types";
import { type ApiClient, exchangeApiKey, messageOf } from "./api-client";
import { confirmAction } from "./confirm";
import { button, heading, para } from "./dom";
import type { Screen } from "./screen";
import type { Session } from "./session";

export class AccountScreen implements Screen {
  readonly root: HTMLElement;
  readonly #client: ApiClient;
  readonly #session: Session;
  /** Bumped by each visit, so an answer for a visit the operator left is dropped. */
  #generation = 0;

  constructor(client: ApiClient, session: Session, root: HTMLElement) {
    this.#client = client;
    this.#session = session;
    this.root = root;
  }

  async show(): Promise<void> {
    const generation = ++this.#generation;
    document.title = "parley — account";
    const title = heading("Account");
    const status = para("Loading the account…", "status");
    this.root.replaceChildren(title, status);
    try {
      const account = await this.#client.request<AccountView>("GET", "");
      if (generation === this.#generation) {
        this.#draw(account);
      }
    } catch (error) {
      status.textContent = `Could not read the account: ${messageOf(error)}`;
    }
  }

  close(): void {
    this.#generation += 1;
    this.root.replaceChildren();
  }

  #draw(account: AccountView): void {
    const facts = document.createElement("dl");
    facts.className = "summary";
    const expires = this.#session.expiresAt;
    for (const [term, value] of [
      ["Name", account.name],
      ["Account id", account.id],
      ["Created", new Date(account.created).toLocaleString()],
      [
        "Signed in",
        this.#session.isAdmin
          ? "as the admin"
          : `until ${expires ? new Date(expires * 1000).toLocaleTimeString() : "the token expires"}`,
      ],
    ] as const) {
      const item = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      item.append(dt, dd);
      facts.append(item);
    }
    this.root.replaceChildren(
      heading(`Account · ${account.name}`),
      facts,
      this.#keySection(account),
      this.#bbbSection(account),
    );
  }

  /** The API key: why it cannot be shown, and the rotation that replaces it. */
  #keySection(account: AccountView): HTMLElement {
    const section = group("API key", "api-key-title");
    const about = para(
      "parley keeps only a digest of the API key, so it cannot show it again. Rotating answers a new key, shown once here; the old key, and every token exchanged for it, stop working at once (this console signs itself in again with the new key).",
    );
    const result = document.createElement("div");
    result.className = "key-result";
    const error = para("", "alert");
    const rotate = button("Rotate API key", `Rotate the API key of ${account.name}`, async () => {
      const confirmed = await confirmAction({
        title: `Rotate the API key of ${account.name}?`,
        message:
          "The current key and every token exchanged for it stop working at once: every script and integration using them must be given the new key.",
        confirmLabel: "Rotate key",
      });
      if (!confirmed) {
        return;
      }
      error.textContent = "";
      rotate.disabled = true;
      try {
        const rotated = await this.#client.request<RotatedApiKey>("PUT", "/api_key");
        if (!this.#session.isAdmin) {
          // The rotation retired this console's token with the old key: exchange the new one.
          const renewed = await exchangeApiKey(rotated.api_key);
          this.#session.renew(renewed.token, renewed.expiresAt);
        }
        result.replaceChildren(...newKeyView(rotated.api_key));
        result.querySelector("input")?.focus();
      } catch (failure) {
        error.textContent = `Rotating the key failed: ${messageOf(failure)}`;
      } finally {
        rotate.disabled = false;
      }
    });
    rotate.classList.add("danger");
    section.append(about, rotate, error, result);
    return section;
  }

  /** The account's bbb-webhooks secret (its hooks API checksums), masked until asked for. */
  #bbbSection(account: AccountView): HTMLElement {
    const section = group("bbb-webhooks secret", "bbb-secret-title");
    const about = para(
      "BigBlueButton-style clients sign the /bigbluebutton/api/hooks calls of this account with it (the checksum).",
    );
    const value = document.createElement("code");
    value.className = "secret";
    value.textContent = "•".repeat(16);
    const reveal = button("Reveal", "Reveal the bbb-webhooks secret", () => {
      const shown = value.textContent === account.bbb_secret;
      value.textContent = shown ? "•".repeat(16) : account.bbb_secret;
      reveal.textContent = shown ? "Reveal" : "Hide";
      reveal.setAttribute("aria-label", `${shown ? "Reveal" : "Hide"} the bbb-webhooks secret`);
    });
    section.append(about, value, reveal);
    return section;
  }
}

/** The new key in a read-only field with Copy, and the warning that it is shown once. */
export function newKeyView(apiKey: string): HTMLElement[] {
  const label = document.createElement("label");
  label.textContent = "New API key (shown once: store it now)";
  const input = document.createElement("input");
  input.readOnly = true;
  input.value = apiKey;
  input.className = "new-key";
  input.id = `new-key-${Math.random().toString(36).slice(2)}`;
  label.htmlFor = input.id;
  input.addEventListener("focus", () => input.select());
  const copied = para("", "status");
  const copy = button("Copy", "Copy the new API key", async () => {
    try {
      await navigator.clipboard.writeText(apiKey);
      copied.textContent = "Copied.";
    } catch {
      input.select();
      copied.textContent = "Select the key and copy it (the browser refused the clipboard).";
    }
  });
  return [label, input, copy, copied];
}

function group(title: string, id: string): HTMLElement {
  const section = document.createElement("section");
  section.className = "account-part";
  section.setAttribute("aria-labelledby", id);
  const h = document.createElement("h3");
  h.id = id;
  h.textContent = title;
  section.append(h);
  return section;
}
