/**
 * The console's screens as URL fragments (`#webhooks/{W}`, `#history/{C}`, `#session/{S}`, …), so
 * every screen is reached by ordinary links: Back returns to the previous screen, a reload stays
 * on the same one, and a screen can be bookmarked or sent to a colleague of the same account.
 * @module
 */

/** A screen of the console, as the fragment names it. */
export type Route =
  | { screen: "live" }
  | { screen: "conference-new" }
  | { screen: "conference-edit"; conferenceId: string }
  | { screen: "webhooks" }
  | { screen: "webhook-new" }
  | { screen: "webhook"; webhookId: string }
  | { screen: "account" }
  | { screen: "accounts" }
  | { screen: "sessions"; conferenceId?: string }
  | { screen: "session"; sessionId: string };

/** The screens' names, for the code that shows one section per screen. */
export type ScreenName = Route["screen"];

/** The history of one conference, or of the whole account when `conferenceId` is undefined. */
export function historyHref(conferenceId?: string): string {
  return conferenceId === undefined ? "#history" : `#history/${encodeURIComponent(conferenceId)}`;
}

/** One session, by its id alone: the account-wide route finds it whatever its conference. */
export function sessionHref(sessionId: string): string {
  return `#session/${encodeURIComponent(sessionId)}`;
}

/** A conference document's editor; a new conference's without an id. */
export function conferenceEditHref(conferenceId?: string): string {
  return conferenceId === undefined
    ? "#conferences/new"
    : `#conference/${encodeURIComponent(conferenceId)}/edit`;
}

/** The webhook endpoints, one endpoint (with its delivery log), or a new one's form. */
export function webhooksHref(webhookId?: string | "new"): string {
  return webhookId === undefined ? "#webhooks" : `#webhooks/${encodeURIComponent(webhookId)}`;
}

/** The screen `hash` names; anything else (including no fragment) is the live screen. */
export function routeOf(hash: string): Route {
  const parts = hash.replace(/^#/, "").split("/").map(safeDecode);
  if (parts.some((part) => part === undefined)) {
    return { screen: "live" };
  }
  const [screen, id, tail, ...rest] = parts as string[];
  if (rest.length > 0) {
    return { screen: "live" };
  }
  const only = (route: Route, ...extra: (string | undefined)[]): Route =>
    extra.every((part) => part === undefined) ? route : { screen: "live" };
  switch (screen) {
    case "history":
      return id
        ? only({ screen: "sessions", conferenceId: id }, tail)
        : only({ screen: "sessions" });
    case "session":
      return id ? only({ screen: "session", sessionId: id }, tail) : { screen: "live" };
    case "conferences":
      return id === "new" ? only({ screen: "conference-new" }, tail) : { screen: "live" };
    case "conference":
      return id && tail === "edit"
        ? { screen: "conference-edit", conferenceId: id }
        : { screen: "live" };
    case "webhooks":
      if (!id) {
        return { screen: "webhooks" };
      }
      return id === "new"
        ? only({ screen: "webhook-new" }, tail)
        : only({ screen: "webhook", webhookId: id }, tail);
    case "account":
      return only({ screen: "account" }, id, tail);
    case "accounts":
      return only({ screen: "accounts" }, id, tail);
    default:
      return { screen: "live" };
  }
}

/** A malformed escape (`%E0`) names no screen rather than throwing. */
function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
