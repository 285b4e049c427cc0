/**
 * The admin's accounts screen (`#accounts`): every account, each opened with one click, and a
 * form to create one (its API key shown once). The admin token reaches every account's routes
 * and feed, so opening an account gives the whole console for it.
 * @module
 */
import { newKeyView } from "./account-screen";
import type { AccountView, CreatedAccount } from "./account-types";
import { type ApiClient, ApiError, messageOf } from "./api-client";
import { button, para, stackTable } from "./dom";
import type { Screen } from "./screen";
import type { Session } from "./session";

export class AccountsScreen implements Screen {
  readonly root: HTMLElement;
  readonly #client: ApiClient;
  readonly #session: Session;
  readonly #onOpen: () => void;
  #generation = 0;

  constructor(
    client: ApiClient,
    session: Session,
    root: HTMLElement,
    { onOpen }: { onOpen: () => void },
  ) {
    this.#client = client;
    this.#session = session;
    this.root = root;
    this.#onOpen = onOpen;
  }

  async show(): Promise<void> {
    const generation = ++this.#generation;
    document.title = "parley — accounts";
    const title = document.createElement("h2");
    title.textContent = "Accounts";
    const status = para("Loading the accounts…", "status");
    this.root.replaceChildren(title, status);
    try {
      const accounts = await this.#client.requestGlobal<AccountView[]>("GET", "/v2/accounts");
      if (generation === this.#generation) {
        this.root.replaceChildren(title, this.#table(accounts), this.#createForm());
      }
    } catch (error) {
      status.textContent = `Could not list the accounts: ${messageOf(error)}`;
    }
  }

  close(): void {
    this.#generation += 1;
    this.root.replaceChildren();
  }

  #table(accounts: AccountView[]): HTMLElement {
    if (accounts.length === 0) {
      return para("No accounts yet: create the first one below.");
    }
    const { table, body } = stackTable(["Name", "Account id", "Created", ""]);
    for (const account of accounts) {
      const row = body.insertRow();
      row.dataset.id = account.id;
      const cells: [string, string | HTMLElement][] = [
        ["Name", account.name],
        ["Account id", account.id],
        ["Created", new Date(account.created).toLocaleString()],
        [
          "",
          button("Open", `Open ${account.name}`, () => {
            this.#session.openAccount({ id: account.id, name: account.name });
            this.#onOpen();
          }),
        ],
      ];
      for (const [label, content] of cells) {
        const cell = row.insertCell();
        cell.dataset.label = label;
        cell.append(content);
        if (label === "Account id") {
          cell.className = "mono";
        }
      }
      if (account.id === this.#session.accountId) {
        row.setAttribute("aria-current", "true");
      }
    }
    return table;
  }

  /** `PUT /v2/accounts`: name it, get its id and its API key (shown once). */
  #createForm(): HTMLElement {
    const form = document.createElement("form");
    form.className = "inline-form";
    form.setAttribute("aria-labelledby", "new-account-title");
    const title = document.createElement("h3");
    title.id = "new-account-title";
    title.textContent = "New account";
    const label = document.createElement("label");
    label.htmlFor = "new-account-name";
    label.textContent = "Name";
    const name = document.createElement("input");
    name.id = "new-account-name";
    name.required = true;
    name.maxLength = 128;
    const error = para("", "alert");
    error.id = "new-account-error";
    name.setAttribute("aria-describedby", error.id);
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Create account";
    const result = document.createElement("div");
    form.append(title, label, name, submit, error, result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      name.removeAttribute("aria-invalid");
      try {
        const created = await this.#client.requestGlobal<CreatedAccount>("PUT", "/v2/accounts", {
          name: name.value,
        });
        await this.show();
        const again = this.root.querySelector(".inline-form div");
        again?.replaceChildren(
          para(`Created ${created.name} (${created.id}).`, "status"),
          ...newKeyView(created.api_key),
        );
      } catch (failure) {
        const field = failure instanceof ApiError ? failure.fieldErrors.name : undefined;
        error.textContent = field
          ? `Name: ${Object.values(field)[0]?.message ?? "not valid"}`
          : `Creating the account failed: ${messageOf(failure)}`;
        name.setAttribute("aria-invalid", "true");
        name.focus();
      }
    });
    return form;
  }
}
