/**
 * Participants of a conference (seed 003): list, read one, and the actions
 * `mute|unmute|deaf|undeaf|kick`, on one participant or in bulk (moderators spared but for kick).
 * @module
 */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { isParticipantAction, participantActions } from "../../protocol/actions";
import { conferenceDetail, conferenceFigures } from "../../protocol/conference";
import { kazooRequest, pageSize } from "../../protocol/envelope";
import { participantView } from "../../protocol/participants";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceControl } from "../domain/control";
import { faultyRequest } from "../domain/errors";
import type { LiveState } from "../domain/live-state";
import { participantView as showParticipant } from "../domain/live-state";
import { actionProblem, dataAction } from "./actions";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { readEnvelope } from "./request-body";
import { conferenceParams, json, kazooErrors, kazooOk, security } from "./responses";
import { rejectOtherMethods, serve } from "./route";

/** What the participant routes use. */
export interface ParticipantRoutesDeps {
  info: EnvelopeInfo;
  views: ConferenceViews;
  live: LiveState;
  control: ConferenceControl;
}

const base = { tags: ["participants"], security: security.token };
const all = "/v2/accounts/{accountId}/conferences/{conferenceId}/participants";
const one = `${all}/{participantId}`;
const participantParams = conferenceParams.extend({
  participantId: z
    .string()
    .meta({ description: "The member id (`participant_id`) or the call id" }),
});
const actionRequest = {
  query: z.object({
    action: z.string().optional().meta({ description: "The action, when `data` names none" }),
  }),
  body: {
    required: true,
    content: json(kazooRequest(z.object({ action: z.enum(participantActions) }))),
  },
};
const actionErrors = kazooErrors(400, 401, 403, 404, 413, 503);

const list = createRoute({
  ...base,
  method: "get",
  path: all,
  summary: "List the participants",
  request: { params: conferenceParams },
  responses: {
    200: kazooOk("Every participant", z.array(participantView), pageSize),
    ...kazooErrors(401, 403, 404),
  },
});
const bulk = createRoute({
  ...base,
  method: "put",
  path: all,
  summary: "Bulk action: everyone but the moderators (kick: everyone)",
  request: { params: conferenceParams, ...actionRequest },
  responses: {
    201: kazooOk("The conference, with `_read_only.affected_participants`", conferenceDetail, {
      metadata: conferenceFigures,
    }),
    ...actionErrors,
  },
});
const read = createRoute({
  ...base,
  method: "get",
  path: one,
  summary: "Read a participant (member id or call id)",
  request: { params: participantParams },
  responses: { 200: kazooOk("The participant", participantView), ...kazooErrors(401, 403, 404) },
});
const act = createRoute({
  ...base,
  method: "put",
  path: one,
  summary: "Participant action",
  request: { params: participantParams, ...actionRequest },
  responses: {
    201: kazooOk('`"ok"` once the media server has the command', z.literal("ok")),
    ...actionErrors,
  },
});

/** Declares and serves the participant routes, under the account guard. */
export function registerParticipantRoutes(app: HttpApp, deps: ParticipantRoutesDeps): void {
  const { info, views, live, control } = deps;

  serve(app, list, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const data = views.participants(conference);
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  serve(app, bulk, async (c) => {
    const body = await readEnvelope(c);
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const action = dataAction(body, c.req.query("action"));
    if (!isParticipantAction(action)) {
      throw faultyRequest(actionProblem(action, participantActions));
    }
    const members = conference.runtime ? live.participants(conference.id) : [];
    const target = { conferenceId: conference.id, accountId: c.req.param("accountId") };
    const affected = await control.bulkAction(target, members, action);
    const detail = views.detail(conference);
    const readOnly = detail._read_only as Record<string, unknown>;
    return success(
      c,
      info,
      { ...detail, _read_only: { ...readOnly, affected_participants: affected } },
      {
        status: 201,
        revision: conference.stored?.revision,
        extra: { metadata: views.figures(conference) },
      },
    );
  });
  rejectOtherMethods(app, "/v2/accounts/:accountId/conferences/:conferenceId/participants");

  serve(app, read, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const participant = views.participant(conference, c.req.param("participantId"));
    return success(c, info, showParticipant(participant, info.now()));
  });
  serve(app, act, async (c) => {
    const body = await readEnvelope(c);
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const participant = views.participant(conference, c.req.param("participantId"));
    const action = dataAction(body, c.req.query("action"));
    if (!isParticipantAction(action)) {
      throw faultyRequest(actionProblem(action, participantActions));
    }
    const target = { conferenceId: conference.id, accountId: c.req.param("accountId") };
    await control.participantAction(target, participant, action);
    return success(c, info, "ok", { status: 201 });
  });
  rejectOtherMethods(
    app,
    "/v2/accounts/:accountId/conferences/:conferenceId/participants/:participantId",
  );
}
