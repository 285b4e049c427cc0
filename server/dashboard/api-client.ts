/**
 * The console's one door to parley's public HTTP API: the signed-in token on every call, the
 * Kazoo envelope unwrapped, and failures thrown as {@link ApiError} with what the server said, so
 * a screen can put a validation message next to the field it is about.
 * @module
 */
import type { Session } from "./session";

/** The Kazoo envelope, as far as the console reads it (paging keys included). */
export interface Envelope {
  auth_token?: string;
  data?: unknown;
  message?: string;
  next_start_key?: string;
  next_after_seq?: number;
  /** A 401's why (`token_expired`, `unknown_api_key`, …) and what to send instead. */
  reason?: string;
  hint?: string;
}

/** Validation failures: dotted field path → rule → `{message}` (Kazoo's `validation error`). */
export type FieldErrors = Record<string, Record<string, { message: string }>>;

/**
 * A refused call: the HTTP status, Kazoo's error code (`message`), the envelope's `data`, and a
 * 401's `reason` and `hint`.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly data: unknown;
  readonly reason: string;
  readonly hint: string;

  constructor(status: number, body: Envelope) {
    const code = body.message ?? `HTTP ${status}`;
    super(readableMessage(status, code, body.data, body.hint));
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.data = body.data;
    this.reason = body.reason ?? "";
    this.hint = body.hint ?? "";
  }

  /** The per-field messages of a validation error; empty for any other error. */
  get fieldErrors(): FieldErrors {
    return this.code === "validation error" && isRecord(this.data)
      ? (this.data as FieldErrors)
      : {};
  }
}

/** What the client needs besides the session: what to do when a token is refused. */
export interface ApiClientOptions {
  session: Session;
  /** Called on any 401 of a signed-in call, before the call's promise rejects. */
  onUnauthorized: () => void;
}

/** Calls parley with the session's token; one per page, shared by every screen. */
export class ApiClient {
  readonly #session: Session;
  readonly #onUnauthorized: () => void;

  constructor({ session, onUnauthorized }: ApiClientOptions) {
    this.#session = session;
    this.#onUnauthorized = onUnauthorized;
  }

  /** The account the console is looking at (the admin may look at any). */
  get accountId(): string {
    return this.#session.accountId ?? "";
  }

  /** Calls `/v2/accounts/{A}{path}` and answers the envelope's `data`, or throws. */
  async request<T>(method: string, path: string, data?: unknown): Promise<T> {
    return (await this.send(method, path, data)).data as T;
  }

  /** Calls `/v2/accounts/{A}{path}` and answers the whole envelope, or throws. */
  send(method: string, path: string, data?: unknown): Promise<Envelope> {
    return this.sendGlobal(
      method,
      `/v2/accounts/${encodeURIComponent(this.accountId)}${path}`,
      data,
    );
  }

  /** Calls an absolute path (`/v2/webhooks`, `/v2/accounts`) with the token; answers `data`. */
  async requestGlobal<T>(method: string, path: string, data?: unknown): Promise<T> {
    return (await this.sendGlobal(method, path, data)).data as T;
  }

  /** Calls an absolute path with the token and answers the whole envelope, or throws. */
  async sendGlobal(method: string, path: string, data?: unknown): Promise<Envelope> {
    const res = await fetch(path, {
      method,
      headers: { "X-Auth-Token": this.#session.token ?? "", "Content-Type": "application/json" },
      ...(data === undefined ? {} : { body: JSON.stringify({ data }) }),
    });
    const body = await readEnvelope(res);
    if (res.status === 401) {
      this.#onUnauthorized();
    }
    if (!res.ok) {
      throw new ApiError(res.status, body);
    }
    return body;
  }
}

/** What `PUT /v2/api_auth` gives for an API key: a token for its account, and until when. */
export interface Exchanged {
  token: string;
  accountId: string;
  accountName: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * Exchanges an API key for a token (`PUT /v2/api_auth`, no token needed); throws the refusal as
 * an {@link ApiError} with its `reason`.
 */
export async function exchangeApiKey(apiKey: string): Promise<Exchanged> {
  const res = await fetch("/v2/api_auth", {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ data: { api_key: apiKey } }),
  });
  const body = await readEnvelope(res);
  const data = body.data as
    | { account_id?: string; account_name?: string; expires_at?: number }
    | undefined;
  if (!res.ok || !body.auth_token || !data?.account_id) {
    throw new ApiError(res.status, body);
  }
  return {
    token: body.auth_token,
    accountId: data.account_id,
    accountName: data.account_name ?? data.account_id,
    expiresAt: data.expires_at ?? 0,
  };
}

/** The body as an envelope; `{}` when it is not JSON (a proxy's error page, say). */
export async function readEnvelope(res: Response): Promise<Envelope> {
  const body: unknown = await res.json().catch(() => ({}));
  return isRecord(body) ? (body as Envelope) : {};
}

/** The message of whatever was thrown, for a line next to the control that failed. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One line for a refusal: the server's own words (`data.message`, then a 401's `hint`), else the
 * first field error, else the code.
 */
function readableMessage(status: number, code: string, data: unknown, hint?: string): string {
  if (isRecord(data)) {
    const text = typeof data.message === "string" ? data.message : undefined;
    if (text || hint) {
      return [text, hint].filter(Boolean).join(": ");
    }
    if (code === "validation error") {
      const [field, rules] = Object.entries(data)[0] ?? [];
      const first = isRecord(rules) ? Object.values(rules)[0] : undefined;
      if (field && isRecord(first) && typeof first.message === "string") {
        return `${field}: ${first.message}`;
      }
    }
  }
  return code || `HTTP ${status}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
