/**
 * The sign-in form. It asks for one of two credentials and says which and why: an account's API
 * key (exchanged at `PUT /v2/api_auth` for an hour's token) or the admin token (used as it is,
 * to reach every account). A refusal is explained from the server's `reason`, in the console's
 * words: an auth token pasted where the key goes, the admin token in the key's field, a key no
 * account has.
 * @module
 */
import { ApiError, exchangeApiKey, readEnvelope } from "./api-client";
import type { Session } from "./session";

type Credential = "api_key" | "admin";

/** What the field is called and what goes in it, per credential. */
const wanted: Record<Credential, { label: string; help: string }> = {
  api_key: {
    label: "Account API key",
    help: "The account's API key, as printed by parley accounts create or answered by PUT /v2/accounts. The console exchanges it for a token that lasts an hour and does not keep the key.",
  },
  admin: {
    label: "Admin token",
    help: "The admin token: PARLEY_ADMIN_TOKEN, or the one parley printed on its first start. It opens the list of accounts; pick one to work in.",
  },
};

/** The page's words for each refusal `reason` the server gives (server/domain/auth.ts). */
function explain(credential: Credential, reason: string, hint: string): string {
  switch (reason) {
    case "admin_token":
      return "That is the admin token, not an account's API key. “The admin token” is now selected: sign in again to use it.";
    case "auth_token": {
      const expiredAt = hint.match(/expired at (\S+?)\)/)?.[1];
      const expired = expiredAt
        ? ` (this one expired at ${new Date(expiredAt).toLocaleString()})`
        : "";
      return `That is an auth token (an exchanged key), not an API key: tokens expire after an hour, so the console asks for the key itself${expired}.`;
    }
    case "unknown_api_key":
      return "No account has that API key. If the key was lost, the admin can issue a new one: Account → Rotate API key in the console, or parley accounts rotate-key <account_id>.";
    case "not_a_token":
      return credential === "admin"
        ? "That is not the admin token. If it is an account's API key, choose “An account's API key”."
        : `That was refused: ${hint}`;
    case "token_expired":
    case "unknown_signer":
    case "unknown_account":
      return credential === "admin"
        ? `That is not the admin token: it looks like an account's auth token, which the console does not take (${hint}).`
        : `That was refused: ${hint}`;
    default:
      return `That was refused${hint ? `: ${hint}` : "."}`;
  }
}

/** The form's behaviour; `onSignedIn` runs once the session holds a token. */
export class SignInForm {
  readonly #session: Session;
  readonly #form: HTMLFormElement;
  readonly #input: HTMLInputElement;
  readonly #label: HTMLElement;
  readonly #help: HTMLElement;
  readonly #error: HTMLElement;
  readonly #onSignedIn: () => void;

  constructor(session: Session, form: HTMLFormElement, { onSignedIn }: { onSignedIn: () => void }) {
    this.#session = session;
    this.#form = form;
    this.#input = part(form, "#api-key", HTMLInputElement);
    this.#label = part(form, "#credential-label", HTMLElement);
    this.#help = part(form, "#sign-in-help", HTMLElement);
    this.#error = part(form, "#sign-in-error", HTMLElement);
    this.#onSignedIn = onSignedIn;
    form.addEventListener("change", () => this.#describe());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.#submit();
    });
    this.#describe();
  }

  /** Shows why the operator is back at the form (an expired session, say). */
  showError(message: string): void {
    this.#error.textContent = message;
  }

  get #credential(): Credential {
    const checked = this.#form.querySelector<HTMLInputElement>("input[name=credential]:checked");
    return checked?.value === "admin" ? "admin" : "api_key";
  }

  #choose(credential: Credential): void {
    for (const radio of this.#form.querySelectorAll<HTMLInputElement>("input[name=credential]")) {
      radio.checked = radio.value === credential;
    }
    this.#describe();
  }

  #describe(): void {
    const { label, help } = wanted[this.#credential];
    this.#label.textContent = label;
    this.#help.textContent = help;
  }

  async #submit(): Promise<void> {
    const credential = this.#credential;
    const value = this.#input.value.trim();
    this.#error.textContent = "";
    try {
      if (credential === "admin") {
        await this.#signInAdmin(value);
      } else {
        await this.#signInWithKey(value);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.#error.textContent = explain(credential, error.reason, error.hint);
        if (error.reason === "admin_token") {
          this.#choose("admin");
        }
      } else if (error instanceof ApiError && error.status === 403) {
        this.#error.textContent =
          "That token belongs to an account, not the admin. Choose “An account's API key” and paste the account's key.";
      } else {
        this.#error.textContent = `Signing in failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      this.#input.focus();
      return;
    }
    this.#input.value = "";
    this.#onSignedIn();
  }

  /** `PUT /v2/api_auth`: the key becomes an hour's token for its account. */
  async #signInWithKey(apiKey: string): Promise<void> {
    const exchanged = await exchangeApiKey(apiKey);
    this.#session.signIn(exchanged.token, {
      id: exchanged.accountId,
      name: exchanged.accountName,
      expiresAt: exchanged.expiresAt,
    });
  }

  /** The admin token is used as it is: proven by listing the accounts, which only it may. */
  async #signInAdmin(token: string): Promise<void> {
    const res = await fetch("/v2/accounts", { headers: { "X-Auth-Token": token } });
    const body = await readEnvelope(res);
    if (!res.ok) {
      throw new ApiError(res.status, body);
    }
    this.#session.signInAdmin(token);
  }
}

/** An element of the form, checked like dom.ts's `element`. */
function part<T extends Element>(
  form: HTMLFormElement,
  selector: string,
  type: abstract new (...args: never[]) => T,
): T {
  const found = form.querySelector(selector);
  if (!(found instanceof type)) {
    throw new Error(`sign-in: ${selector} is missing from the form or not a ${type.name}`);
  }
  return found;
}
