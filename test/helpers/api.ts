/**
 * A small HTTP client for tests: sends requests to a running parley over real sockets and
 * returns status, headers and the parsed body.
 */
import type { ParleyServer } from "../../server/create-server";
import { ADMIN_TOKEN } from "./server";

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  /** JSON-encoded as the request body. */
  body?: unknown;
  /** Sent as-is (for malformed bodies). */
  rawBody?: string;
  headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: test responses are inspected dynamically
export type Json = any;

export function apiClient(server: ParleyServer) {
  const request = async (
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<Json>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) {
      headers["X-Auth-Token"] = options.token;
    }
    const body =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: Json = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    request,
    get: (path: string, options?: RequestOptions) => request("GET", path, options),
    put: (path: string, options?: RequestOptions) => request("PUT", path, options),
    post: (path: string, options?: RequestOptions) => request("POST", path, options),
    patch: (path: string, options?: RequestOptions) => request("PATCH", path, options),
    delete: (path: string, options?: RequestOptions) => request("DELETE", path, options),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** An account with its API key and a fresh auth token. */
export interface TestAccount {
  id: string;
  name: string;
  apiKey: string;
  token: string;
}

/** Creates an account through the admin API and exchanges its key for a token. */
export async function createAccount(
  api: ApiClient,
  name = "Acme",
  id?: string,
): Promise<TestAccount> {
  const created = await api.put("/v2/accounts", {
    token: ADMIN_TOKEN,
    body: { data: { name, ...(id ? { id } : {}) } },
  });
  if (created.status !== 201) {
    throw new Error(`account create failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const auth = await api.put("/v2/api_auth", {
    body: { data: { api_key: created.body.data.api_key } },
  });
  if (auth.status !== 201) {
    throw new Error(`api_auth failed: ${auth.status} ${JSON.stringify(auth.body)}`);
  }
  return {
    id: created.body.data.id,
    name,
    apiKey: created.body.data.api_key,
    token: auth.body.auth_token,
  };
}

/** Creates a conference in `account`; returns its id. */
export async function createConference(
  api: ApiClient,
  account: TestAccount,
  data: Record<string, unknown> = { name: "Sales Weekly" },
): Promise<string> {
  const created = await api.put(`/v2/accounts/${account.id}/conferences`, {
    token: account.token,
    body: { data },
  });
  if (created.status !== 201) {
    throw new Error(`conference create failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  return created.body.data.id;
}
