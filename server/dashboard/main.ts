/**
 * parley's dashboard, the page at `/`: a reference client that uses only the public HTTP API and
 * the `/ws` feed. Sign in with an API key, watch the account's conferences, act on them.
 *
 * Why TypeScript bundled by esbuild in memory when parley first serves `/dashboard/app.js`
 * (server/http/dashboard.ts): the page gets real types checked by `tsc` and imports protocol/'s
 * tables instead of copying them, and a newcomer still has nothing to build by hand.
 *
 * This entry module only finds the page's elements and wires the parts together: session.ts
 * (sign-in state), api.ts (HTTP), live-feed.ts (`/ws`), live-board.ts (the live screen),
 * history-view.ts (past sessions), and history-route.ts (which screen the URL fragment names).
 * @module
 */
import { isConferenceAction, isParticipantAction } from "../../protocol/actions";
import { ParleyApi } from "./api";
import { element } from "./dom";
import { routeOf } from "./history-route";
import { HistoryView } from "./history-view";
import { LiveBoard, messageOf } from "./live-board";
import { LiveFeed } from "./live-feed";
import { renderConnection } from "./render";
import { Session } from "./session";

const expired = "Your session expired; sign in again.";
/** The tab's title on the live screen; the history screens name themselves. */
const liveTitle = document.title;

const page = {
  connection: element("#connection", HTMLElement),
  signOut: element("#sign-out", HTMLButtonElement),
  signIn: element("#sign-in", HTMLFormElement),
  apiKey: element("#api-key", HTMLInputElement),
  signInError: element("#sign-in-error", HTMLElement),
  board: element("#board", HTMLElement),
};

const session = new Session(sessionStorage);
const api = new ParleyApi({ session, onUnauthorized: () => signOut(expired) });
const board = new LiveBoard(api, {
  conferences: element("#conferences", HTMLTableSectionElement),
  detail: element("#detail", HTMLElement),
  detailTitle: element("#detail-title", HTMLElement),
  detailHistory: element("#detail-history", HTMLAnchorElement),
  participants: element("#participants", HTMLElement),
  log: element("#log", HTMLElement),
});
const history = new HistoryView(api, {
  root: element("#history", HTMLElement),
  trail: element("#history-trail", HTMLElement),
  title: element("#history-title", HTMLElement),
  status: element("#history-status", HTMLElement),
  content: element("#history-content", HTMLElement),
});
/**
 * The nodes the feed may use: this page's own, then those named in `?nodes=` (comma-separated
 * base URLs of the cluster's other nodes). Behind a load balancer, the page's own is enough.
 */
const nodes = [
  location.origin,
  ...(new URLSearchParams(location.search).get("nodes") ?? "")
    .split(",")
    .map((url) => url.trim().replace(/\/+$/, ""))
    .filter((url) => /^https?:\/\/[^/]+$/.test(url) && url !== location.origin),
];
/** Node names by base URL, from each node's `/readyz`. */
const nodeNames = new Map<string, string>();
async function learnNodeName(base: string): Promise<void> {
  try {
    const res = await fetch(`${base}/readyz`);
    const body = (await res.json()) as { node?: string };
    if (body.node) {
      nodeNames.set(base, body.node);
    }
  } catch {
    // A node that does not answer keeps showing its address.
  }
}
const feed = new LiveFeed({
  nodes,
  binding: "conference.event.*.*",
  session,
  onStatus: (status) => {
    renderConnection(page.connection, status, (base) => nodeNames.get(base));
    if (status.state === "live" && !nodeNames.has(status.node)) {
      void learnNodeName(status.node).then(() =>
        renderConnection(page.connection, status, (base) => nodeNames.get(base)),
      );
    }
  },
  onEvent: (frame) => {
    board.applyEvent(frame);
    history.applyEvent(frame);
  },
  onRefused: (errors) => {
    board.log(`subscription refused: ${errors.join("; ")}`);
    if (errors.some((e) => e.startsWith("failed to authenticate token"))) {
      signOut(expired);
    }
  },
});

function showBoard(signedIn: boolean): void {
  page.signIn.hidden = signedIn;
  page.signOut.hidden = !signedIn;
  if (signedIn) {
    showRoute();
  } else {
    page.board.hidden = true;
    history.close();
  }
}

/**
 * Shows the screen the URL fragment names. The live board keeps its feed and state while the
 * history is open, so going back to it is instant and nothing is missed.
 */
function showRoute(): void {
  if (!session.token) {
    return;
  }
  const route = routeOf(location.hash);
  page.board.hidden = route.screen !== "live";
  if (route.screen === "live") {
    document.title = liveTitle;
    history.close();
  } else if (route.screen === "sessions") {
    void history.showSessions(route.conferenceId);
  } else {
    void history.showSession(route.sessionId);
  }
}

function signOut(message = ""): void {
  session.signOut();
  feed.stop();
  showBoard(false);
  page.signInError.textContent = message;
}

async function start(): Promise<void> {
  showBoard(true);
  try {
    await board.loadConferences();
  } catch (error) {
    board.log(`loading conferences failed: ${messageOf(error)}`);
  }
  if (session.token) {
    feed.start();
  }
}

page.signIn.addEventListener("submit", async (event) => {
  event.preventDefault();
  const signedIn = await api.signIn(page.apiKey.value.trim());
  if (!signedIn) {
    page.signInError.textContent = "That API key was not accepted.";
    return;
  }
  session.signIn(signedIn.token, signedIn.accountId);
  await start();
});
page.signOut.addEventListener("click", () => signOut());
window.addEventListener("hashchange", showRoute);

for (const el of document.querySelectorAll<HTMLElement>("[data-conference-action]")) {
  const action = el.dataset.conferenceAction;
  if (isConferenceAction(action)) {
    el.addEventListener("click", () => void board.conferenceAction(action));
  }
}
for (const el of document.querySelectorAll<HTMLElement>("[data-bulk]")) {
  const action = el.dataset.bulk;
  if (isParticipantAction(action)) {
    el.addEventListener("click", () => void board.bulkAction(action));
  }
}

setInterval(() => board.tick(), 1000);
if (session.token) {
  void start();
}
