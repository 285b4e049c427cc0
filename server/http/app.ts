/**
 * The HTTP application: request ids, body limit, routes, and the single place where errors
 * become responses.
 * @module
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { defaultErrorText } from "../../protocol/errors";
import type { AccountService } from "../domain/accounts";
import type { Authenticator } from "../domain/auth";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceService } from "../domain/conferences";
import type { ConferenceControl } from "../domain/control";
import { DomainError } from "../domain/errors";
import type { LiveState } from "../domain/live-state";
import type { Reconciler } from "../domain/reconcile";
import type { TokenService } from "../domain/tokens";
import type { Logger } from "../logger";
import { registerAccountRoutes } from "./accounts";
import { requireAccount } from "./auth";
import { registerBbbHookRoutes } from "./bbb-hooks";
import { registerConferenceRoutes } from "./conferences";
import { registerDashboard } from "./dashboard";
import { registerDocs } from "./docs";
import { registerDownloadRoutes } from "./downloads";
import type { HttpApp, HttpEnv } from "./env";
import { type EnvelopeInfo, failure } from "./envelope";
import { type HealthReport, registerHealthRoutes } from "./health";
import { createMeetingRoutes, isMeetingsPath, type MeetingRoutesDeps } from "./meetings";
import { openApiDocument } from "./openapi";
import { registerParticipantRoutes } from "./participants";
import { registerReconcileRoutes } from "./reconcile";
import { BodyRefused, closeWhenBodyUnread, crossbarBodyError, limitBodySize } from "./request-body";
import { registerWebhookRoutes, type WebhookRoutesDeps } from "./webhooks";

export interface HttpDeps {
  info: EnvelopeInfo;
  logger: Logger;
  bodyLimit: number;
  auth: Authenticator;
  accounts: AccountService;
  tokens: TokenService;
  conferences: ConferenceService;
  views: ConferenceViews;
  live: LiveState;
  control: ConferenceControl;
  /** Reconciliation with the media servers, when the bus can ask them. */
  reconciler: Reconciler | undefined;
  health: () => HealthReport;
  webhooks: WebhookRoutesDeps;
  /** Prometheus text for `GET /metrics`, and a hook told about every request. */
  metrics?: {
    text(): Promise<{ contentType: string; body: string }>;
    request(method: string, route: string, status: number, seconds: number): void;
  };
  meetings: Omit<MeetingRoutesDeps, "bodyLimit">;
  downloads: Parameters<typeof registerDownloadRoutes>[1];
}

const acceptableRequestId = /^[\w\-.:=]{1,200}$/;

export function createHttpApp(deps: HttpDeps): HttpApp {
  const { info, logger } = deps;
  const app = new Hono<HttpEnv>();

  app.use(closeWhenBodyUnread);
  app.use(async function requestContext(c, next) {
    const given = c.req.header("x-request-id");
    const requestId = given && acceptableRequestId.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    c.set("authToken", "");
    const started = performance.now();
    await next();
    c.header("X-Request-ID", requestId);
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
  // The meetings routes apply the same limit themselves, so that their 413 reads like theirs.
  const limitSize = limitBodySize(deps.bodyLimit);
  app.use((c, next) => (isMeetingsPath(c.req.path) ? next() : limitSize(c, next)));

  registerHealthRoutes(app, deps.health);
  const document = openApiDocument(info.version);
  app.get("/openapi.json", (c) => c.json(document));
  registerDocs(app);
  registerDashboard(app);
  const metrics = deps.metrics;
  if (metrics) {
    app.get("/metrics", async (c) => {
      const { contentType, body } = await metrics.text();
      return c.body(body, 200, { "Content-Type": contentType });
    });
  }
  registerAccountRoutes(app, deps);
  // Every route under an account needs that account's token or the admin's, except the
  // bbb-webhooks-compatible API, which authenticates by checksum as BigBlueButton does.
  const guard = requireAccount(deps.auth, deps.accounts);
  app.use("/v2/accounts/:accountId/*", async (c, next) =>
    c.req.path.includes("/bigbluebutton/api/") ? next() : guard(c, next),
  );
  registerReconcileRoutes(app, deps);
  registerConferenceRoutes(app, deps);
  registerParticipantRoutes(app, deps);
  registerWebhookRoutes(app, deps.webhooks);
  registerBbbHookRoutes(app, {
    accounts: deps.accounts,
    subscriptions: deps.webhooks.subscriptions,
  });
  app.route("/", createMeetingRoutes({ ...deps.meetings, bodyLimit: deps.bodyLimit }));
  registerDownloadRoutes(app, deps.downloads);

  app.notFound((c) => failure(c, info, "not_found", { message: `no route for ${c.req.path}` }));
  app.onError((thrown, c) => {
    const error = thrown instanceof BodyRefused ? crossbarBodyError(thrown) : thrown;
    if (error instanceof DomainError) {
      return failure(c, info, error.code, error.data);
    }
    logger.error({ err: error, request_id: c.get("requestId") }, "unhandled error");
    return failure(c, info, "internal_error", { message: defaultErrorText.internal_error });
  });
  return app;
}
