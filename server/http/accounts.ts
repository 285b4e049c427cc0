/**
 * Account management (`/v2/accounts`, admin token) and token exchange (`/v2/api_auth`).
 * @module
 */
import { apiAuthBody, createAccountBody } from "../../protocol/accounts";
import type { AccountService } from "../domain/accounts";
import type { Authenticator } from "../domain/auth";
import { DomainError } from "../domain/errors";
import type { TokenService } from "../domain/tokens";
import { requireAccount, requireAdmin } from "./auth";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { dataObject, readEnvelope } from "./request-body";
import { parseWith, rejectOtherMethods } from "./validate";

export interface AccountRoutesDeps {
  info: EnvelopeInfo;
  auth: Authenticator;
  accounts: AccountService;
  tokens: TokenService;
}

export function registerAccountRoutes(app: HttpApp, deps: AccountRoutesDeps): void {
  const { info, auth, accounts, tokens } = deps;
  const admin = requireAdmin(auth);

  app.get("/v2/accounts", admin, (c) => success(c, info, accounts.list()));
  app.put("/v2/accounts", admin, async (c) => {
    const { name, id } = parseWith(createAccountBody, dataObject(await readEnvelope(c)));
    return success(c, info, accounts.create(name, id), { status: 201 });
  });
  rejectOtherMethods(app, "/v2/accounts");

  app.get("/v2/accounts/:accountId", requireAccount(auth, accounts), (c) =>
    success(c, info, accounts.get(c.req.param("accountId"))),
  );
  rejectOtherMethods(app, "/v2/accounts/:accountId");

  app.put("/v2/api_auth", async (c) => {
    const body = parseWith(apiAuthBody, dataObject(await readEnvelope(c)));
    const account = accounts.findByApiKey(body.api_key);
    if (!account) {
      throw new DomainError("invalid_credentials");
    }
    const { token, claims } = tokens.issue({ accountId: account.id, userId: body.user_id });
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
