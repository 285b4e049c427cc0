/**
 * The HTTP application: request ids, body limit, every route group (each route declared once,
 * with its contract), and the one error mapper (errors.ts) through which every failure becomes
 * an answer.
 * @module
 */

import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AccountService } from "../domain/accounts";
import type { Authenticator } from "../domain/auth";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceService } from "../domain/conferences";
import type { ConferenceControl } from "../domain/control";
import { DomainError } from "../domain/errors";
import type { LiveState } from "../domain/live-state";
import type { Reconciler } from "../domain/reconcile";
import type { SessionHistory } from "../domain/session-history";
import type { TokenService } from "../domain/tokens";
import type { ParleyWrites } from "../domain/write-ops";
import type { Logger } from "../logger";
import { registerAccountRoutes } from "./accounts";
import { requireAccount } from "./auth";
import { registerBbbHookRoutes } from "./bbb-hooks";
import { registerConferenceRoutes } from "./conferences";
import { type ContractViolationReporter, checkAnswers } from "./contract-check";
import { registerDashboard } from "./dashboard";
import { registerDocs } from "./docs";
import { registerDownloadRoutes } from "./downloads";
import type { HttpApp, HttpEnv } from "./env";
import type { EnvelopeInfo } from "./envelope";
import { createErrorAnswer, routeGroupOf } from "./errors";
import { type HealthReport, type MetricsText, registerHealthRoutes } from "./health";
import { type MeetingRoutesDeps, registerMeetingRoutes } from "./meetings";
import { registerOpenApi } from "./openapi";
import { registerParticipantRoutes } from "./participants";
import { registerReconcileRoutes } from "./reconcile";
import { closeWhenBodyUnread, limitBodySize } from "./request-body";
import { registerSessionRoutes } from "./sessions";
import { registerWebhookRoutes, type WebhookRoutesDeps } from "./webhooks";

/** Everything the HTTP edge calls: the domain services, and how it reports and measures. */
export interface HttpDeps {
  info: EnvelopeInfo;
  logger: Logger;
  bodyLimit: number;
  auth: Authenticator;
  accounts: AccountService;
  tokens: TokenService;
  conferences: ConferenceService;
  views: ConferenceViews;
  /** Conference history: sessions, participants, timelines. */
  history: SessionHistory;
  live: LiveState;
  control: ConferenceControl;
  /** Every state change goes through the replicated log. */
  writes: ParleyWrites;
  /** Reconciliation with the media servers, when the bus can ask them. */
  reconciler: Reconciler | undefined;
  health: () => HealthReport;
  webhooks: Omit<WebhookRoutesDeps, "writes" | "auth">;
  /** Prometheus text for `GET /metrics`, and a hook told about every request. */
  metrics?: {
    text: MetricsText;
    request(method: string, route: string, status: number, seconds: number): void;
  };
  meetings: Omit<MeetingRoutesDeps, "bodyLimit" | "writes">;
  downloads: Parameters<typeof registerDownloadRoutes>[1];
  /**
   * Test-only: check every answer against its route's declaration and report mismatches
   * (contract-check.ts). Unset in production: no answer is parsed twice.
   */
  onContractViolation?: ContractViolationReporter | undefined;
}

const acceptableRequestId = /^[\w\-.:=]{1,200}$/;

/**
 * Builds the app: middleware in order (connection rule, request id, contract check in tests, body
 * limit), every route group, then the one error mapper for failures and unknown routes.
 */
export function createHttpApp(deps: HttpDeps): HttpApp {
  const { info, logger } = deps;
  const app = new OpenAPIHono<HttpEnv>();

  app.use(closeWhenBodyUnread);
  app.use(async function requestContext(c, next) {
    const given = c.req.header("x-request-id");
    const requestId = given && acceptableRequestId.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    c.set("authToken", "");
    // Set before the answer exists: set after, it makes the answer a full fetch Response.
    c.header("X-Request-ID", requestId);
    const started = performance.now();
    await next();
    deps.metrics?.request(
      c.req.method,
      c.req.routePath,
      c.res.status,
      (performance.now() - started) / 1000,
    );
    logger.debug(
      {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      "request",
    );
  });
  if (deps.onContractViolation) {
    app.use(checkAnswers(app, deps.onContractViolation));
  }
  app.use(limitBodySize(deps.bodyLimit));

  registerHealthRoutes(app, deps.health, deps.metrics?.text);
  registerOpenApi(app, info.version);
  registerDocs(app);
  registerDashboard(app);
  registerAccountRoutes(app, deps);
  // Every route under an account needs that account's token or the admin's, except the
  // bbb-webhooks-compatible API, which authenticates by checksum as BigBlueButton does.
  const guard = requireAccount(deps.auth, deps.accounts);
  app.use("/v2/accounts/:accountId/*", async (c, next) =>
    routeGroupOf(c.req.path) === "bbb" ? next() : guard(c, next),
  );
  registerReconcileRoutes(app, deps);
  registerConferenceRoutes(app, deps);
  registerParticipantRoutes(app, deps);
  registerSessionRoutes(app, { info, history: deps.history });
  registerWebhookRoutes(app, { ...deps.webhooks, writes: deps.writes, auth: deps.auth });
  registerBbbHookRoutes(app, {
    accounts: deps.accounts,
    subscriptions: deps.webhooks.subscriptions,
    writes: deps.writes,
  });
  registerMeetingRoutes(app, {
    ...deps.meetings,
    writes: deps.writes,
    bodyLimit: deps.bodyLimit,
  });
  registerDownloadRoutes(app, deps.downloads);

  const answerError = createErrorAnswer(info, logger);
  app.notFound((c) =>
    answerError(new DomainError("not_found", { message: `no route for ${c.req.path}` }), c),
  );
  app.onError(answerError);
  return app;
}
