/**
 * Participants of a conference (seed 003): list, read one, and the actions
 * `mute|unmute|deaf|undeaf|kick`, on one participant or in bulk.
 * @module
 */
import { isParticipantAction, participantActions } from "../../protocol/actions";
import type { ConferenceViews } from "../domain/conference-views";
import type { ConferenceControl } from "../domain/control";
import { faultyRequest } from "../domain/errors";
import type { LiveState } from "../domain/live-state";
import { participantView } from "../domain/live-state";
import { isPlainObject } from "../domain/merge";
import { actionProblem } from "./conferences";
import type { HttpApp } from "./env";
import { type EnvelopeInfo, success } from "./envelope";
import { type RequestEnvelope, readEnvelope } from "./request-body";
import { rejectOtherMethods } from "./validate";

export interface ParticipantRoutesDeps {
  info: EnvelopeInfo;
  views: ConferenceViews;
  live: LiveState;
  control: ConferenceControl;
}

/** Kazoo's `req_value("action")`: `data.action`, then `?action=`, then the top-level `action`. */
function requestedAction(body: RequestEnvelope, query: string | undefined): unknown {
  const fromData = isPlainObject(body.data) ? body.data.action : undefined;
  return fromData ?? query ?? body.envelope.action;
}

export function registerParticipantRoutes(app: HttpApp, deps: ParticipantRoutesDeps): void {
  const { info, views, live, control } = deps;
  // Authentication comes from the conferences' `/v2/accounts/:accountId/conferences/*` guard.
  const all = "/v2/accounts/:accountId/conferences/:conferenceId/participants";

  app.get(all, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const data = views.participants(conference);
    return success(c, info, data, { extra: { page_size: data.length } });
  });
  app.put(all, async (c) => {
    const body = await readEnvelope(c);
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const action = requestedAction(body, c.req.query("action"));
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
  rejectOtherMethods(app, all);

  const one = `${all}/:participantId`;
  app.get(one, (c) => {
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const participant = views.participant(conference, c.req.param("participantId"));
    return success(c, info, participantView(participant, info.now()));
  });
  app.put(one, async (c) => {
    const body = await readEnvelope(c);
    const conference = views.resolve(c.req.param("accountId"), c.req.param("conferenceId"));
    const participant = views.participant(conference, c.req.param("participantId"));
    const action = requestedAction(body, c.req.query("action"));
    if (!isParticipantAction(action)) {
      throw faultyRequest(actionProblem(action, participantActions));
    }
    const target = { conferenceId: conference.id, accountId: c.req.param("accountId") };
    await control.participantAction(target, participant, action);
    return success(c, info, "ok", { status: 201 });
  });
  rejectOtherMethods(app, one);
}
