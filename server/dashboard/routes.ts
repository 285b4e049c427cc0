/**
 * The dashboard's screens as URL fragments (`#history`, `#history/{C}`, `#session/{S}`), so the
 * history is reached by ordinary links: Back returns to the previous screen, a reload stays on
 * the same one, and a session can be bookmarked or sent to a colleague of the same account.
 * @module
 */

/** A screen of the dashboard, as the fragment names it. */
export type Route =
  | { screen: "live" }
  | { screen: "sessions"; conferenceId?: string }
  | { screen: "session"; sessionId: string };

/** The history of one conference, or of the whole account when `conferenceId` is undefined. */
export function historyHref(conferenceId?: string): string {
  return conferenceId === undefined ? "#history" : `#history/${encodeURIComponent(conferenceId)}`;
}

/** One session, by its id alone: the account-wide route finds it whatever its conference. */
export function sessionHref(sessionId: string): string {
  return `#session/${encodeURIComponent(sessionId)}`;
}

/** The screen `hash` names; anything else (including no fragment) is the live screen. */
export function routeOf(hash: string): Route {
  const [screen, id, ...rest] = hash.replace(/^#/, "").split("/");
  const decoded = id ? safeDecode(id) : undefined;
  if (rest.length > 0) {
    return { screen: "live" };
  }
  if (screen === "history") {
    return decoded === undefined
      ? { screen: "sessions" }
      : { screen: "sessions", conferenceId: decoded };
  }
  if (screen === "session" && decoded !== undefined) {
    return { screen: "session", sessionId: decoded };
  }
  return { screen: "live" };
}

/** A malformed escape (`%E0`) names no screen rather than throwing. */
function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
