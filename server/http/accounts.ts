/**
 * Account management (`/v2/accounts`, admin token) and token exchange (`/v2/api_auth`).
 * @module
 */

import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import {
  accountView,
  apiAuthAnswer,
  apiAuthBody,
  createAccountBody,
  createdAccountView,
  rotatedApiKey,
} from "../../protocol/accounts";
import { kazooRequest } from "../../protocol/envelope";
import type { AccountService } from "../domain/accounts";
import type { Authenticator } from "../domain/auth";
import { newSecret, osEntropy, sha256Hex } from "../domain/ids";
import type { TokenService } from "../domain/tokens";
import type { ParleyWrites } from "../domain/write-ops";
import { refused, requireAccount, requireAdmin } from "./auth";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { accountParams, json, kazooErrors, kazooOk, security } from "./responses";
import { parseWith, rejectOtherMethods, serve } from "./route";

/** What the account and token routes use. */
export interface AccountRoutesDeps {
  info: EnvelopeInfo;
  auth: Authenticator;
  accounts: AccountService;
  tokens: TokenService;
  writes: ParleyWrites;
}

const tags = ["accounts"];

const listAccounts = createRoute({
  method: "get",
  path: "/v2/accounts",
  summary: "List accounts",
  tags,
  security: security.admin,
  responses: {
    200: kazooOk("Every account", z.array(accountView)),
    ...kazooErrors(401, 403),
  },
});

const createAccount = createRoute({
  method: "put",
  path: "/v2/accounts",
  summary: "Create an account (API key shown once)",
  tags,
  security: security.admin,
  request: { body: { required: true, content: json(kazooRequest(createAccountBody)) } },
  responses: {
    201: kazooOk("The account, with its API key", createdAccountView),
    ...kazooErrors(400, 401, 403, 413),
  },
});

const readAccount = createRoute({
  method: "get",
  path: "/v2/accounts/{accountId}",
  summary: "Read an account (its own token, or the admin's)",
  tags,
  security: security.token,
  request: { params: accountParams },
  responses: {
    200: kazooOk("The account", accountView),
    ...kazooErrors(401, 403, 404),
  },
});

const rotateApiKey = createRoute({
  method: "put",
  path: "/v2/accounts/{accountId}/api_key",
  summary:
    "Replace the account's API key (the new key shown once): the old key, and every token exchanged for it, stop working at once",
  tags,
  security: security.token,
  request: { params: accountParams },
  responses: {
    201: kazooOk("The new API key", rotatedApiKey),
    ...kazooErrors(401, 403, 404),
  },
});

const apiAuth = createRoute({
  method: "put",
  path: "/v2/api_auth",
  summary: "Exchange an API key for an auth token (the envelope's `auth_token`)",
  tags,
  security: security.none,
  request: { body: { required: true, content: json(kazooRequest(apiAuthBody)) } },
  responses: {
    201: kazooOk("The token's claims; the token is `auth_token`", apiAuthAnswer),
    ...kazooErrors(400, 401, 413),
  },
});

/** Declares and serves the account and token exchange routes; admin checks per operation. */
export function registerAccountRoutes(app: HttpApp, deps: AccountRoutesDeps): void {
  const { info, auth, accounts, tokens } = deps;
  const admin = requireAdmin(auth);

  serve(app, listAccounts, (c) => success(c, info, accounts.list()), admin);
  serve(
    app,
    createAccount,
    async (c) => {
      const { name, id } = parseWith(createAccountBody, dataObject(await readEnvelope(c)));
      // The key is drawn here and answered once; only its digest is written (and replicated).
      const apiKey = newSecret(osEntropy);
      const keyDigest = sha256Hex(apiKey);
      const created = await deps.writes.run("account.create", {
        name,
        ...(id ? { id } : {}),
        keyDigest,
      });
      return success(c, info, { ...created, api_key: apiKey }, { status: 201 });
    },
    admin,
  );
  rejectOtherMethods(app, "/v2/accounts");

  serve(
    app,
    readAccount,
    (c) => success(c, info, accounts.get(c.req.param("accountId"))),
    requireAccount(auth, accounts),
  );
  rejectOtherMethods(app, "/v2/accounts/:accountId");

  serve(
    app,
    rotateApiKey,
    async (c) => {
      const accountId = c.req.param("accountId");
      // As at creation: drawn here and answered once; only the digest travels in the log.
      const apiKey = newSecret(osEntropy);
      await deps.writes.run("account.rotate_key", { accountId, keyDigest: sha256Hex(apiKey) });
      return success(c, info, { account_id: accountId, api_key: apiKey }, { status: 201 });
    },
    requireAccount(auth, accounts),
  );
  rejectOtherMethods(app, "/v2/accounts/:accountId/api_key");

  serve(app, apiAuth, async (c) => {
    const body = parseWith(apiAuthBody, dataObject(await readEnvelope(c)));
    const account = accounts.findByApiKey(body.api_key);
    if (!account) {
      throw refused(auth.explain(body.api_key, "api_key"));
    }
    const { token, claims } = tokens.issue({
      accountId: account.id,
      userId: body.user_id,
      keyId: account.keyId,
    });
    c.set("authToken", token);
    return success(
      c,
      info,
      {
        account_id: account.id,
        account_name: account.name,
        ...(claims.user_id === undefined ? {} : { user_id: claims.user_id }),
        expires_at: claims.exp,
      },
      { status: 201 },
    );
  });
  rejectOtherMethods(app, "/v2/api_auth");
}
