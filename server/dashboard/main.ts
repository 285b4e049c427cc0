/**
 * parley's console, the page at `/`: it uses only the public HTTP API and the `/ws` feed, so
 * whatever it does an operator's script can do with curl. Sign in with an account's API key (or
 * the admin token, then pick an account); watch and act on live conferences, edit conference
 * documents, manage webhook endpoints and their deliveries, rotate the API key, read the history.
 *
 * Why TypeScript bundled by esbuild in memory when parley first serves `/dashboard/app.js`
 * (server/http/dashboard.ts): the page gets real types checked by `tsc` and imports protocol/'s
 * tables instead of copying them, and a newcomer still has nothing to build by hand.
 *
 * This entry module only finds the page's elements and wires the parts together: session.ts
 * (sign-in state), sign-in.ts, api-client.ts (HTTP), live-feed.ts (`/ws`), routes.ts (which
 * screen the URL fragment names) and one module per screen (screen.ts says what one is).
 * @module
 */
import { AccountScreen } from "./account-screen";
import { AccountsScreen } from "./accounts-screen";
import { ParleyApi } from "./api";
import { ApiClient, messageOf } from "./api-client";
import { ConferenceEditorScreen, onConferenceChange } from "./conference-editor";
import { element } from "./dom";
import { HistoryView } from "./history-view";
import { LiveBoard } from "./live-board";
import { LiveFeed } from "./live-feed";
import { renderConnection } from "./render";
import { type Route, routeOf, type ScreenName } from "./routes";
import type { Screen } from "./screen";
import { Session } from "./session";
import { SignInForm } from "./sign-in";
import { WebhooksScreen } from "./webhooks-screen";

const expired = "Your session expired; sign in again.";
/** The tab's title on the live screen; the other screens name themselves. */
const liveTitle = document.title;

const page = {
  connection: element("#connection", HTMLElement),
  signOut: element("#sign-out", HTMLButtonElement),
  signIn: element("#sign-in", HTMLFormElement),
  nav: element("#nav", HTMLElement),
  navAccounts: element("#nav-accounts", HTMLAnchorElement),
  who: element("#who", HTMLElement),
  board: element("#board", HTMLElement),
};

const session = new Session(sessionStorage);
const client = new ApiClient({ session, onUnauthorized: () => signOut(expired) });
const api = new ParleyApi(client);
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
const historyScreen: Screen = {
  root: element("#history", HTMLElement),
  show: (route) =>
    route.screen === "session"
      ? history.showSession(route.sessionId)
      : history.showSessions(route.screen === "sessions" ? route.conferenceId : undefined),
  close: () => history.close(),
};
const liveScreen: Screen = {
  root: page.board,
  show: () => {
    document.title = liveTitle;
  },
  close: () => {},
};
const editor = new ConferenceEditorScreen(client, element("#conference-editor", HTMLElement));
const webhooks = new WebhooksScreen(client, element("#webhooks-screen", HTMLElement));
const account = new AccountScreen(client, session, element("#account-screen", HTMLElement));
const accounts = new AccountsScreen(client, session, element("#accounts-screen", HTMLElement), {
  onOpen: () => openAccount(),
});
/** Which screen shows each route. */
const screens: Record<ScreenName, Screen> = {
  live: liveScreen,
  "conference-new": editor,
  "conference-edit": editor,
  webhooks,
  "webhook-new": webhooks,
  webhook: webhooks,
  account,
  accounts,
  sessions: historyScreen,
  session: historyScreen,
};
const signIn = new SignInForm(session, element("#sign-in", HTMLFormElement), {
  onSignedIn: () => void start(),
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

/** The screen on show, so the one left behind is closed first. */
let current: Screen | undefined;

/**
 * Shows the screen the URL fragment names. The live board keeps its feed and state while
 * another screen is open, so going back to it is instant and nothing is missed. The admin sees
 * the accounts list until they open an account.
 */
function showRoute(): void {
  if (!session.token) {
    return;
  }
  let route: Route = routeOf(location.hash);
  if (session.isAdmin && !session.accountId) {
    route = { screen: "accounts" };
  }
  const next = screens[route.screen];
  if (current && current !== next) {
    current.close();
  }
  current = next;
  for (const screen of new Set(Object.values(screens))) {
    screen.root.hidden = screen !== next;
  }
  for (const link of page.nav.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    const active =
      link.dataset.nav === route.screen || screens[link.dataset.nav as ScreenName] === next;
    if (active) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
  void Promise.resolve(next.show(route)).catch((error: unknown) =>
    board.log(`showing ${route.screen} failed: ${messageOf(error)}`),
  );
}

/** Header and screens for the signed-in state: the nav, who is signed in, the sign-out button. */
function showSignedIn(signedIn: boolean): void {
  page.signIn.hidden = signedIn;
  page.signOut.hidden = !signedIn;
  page.nav.hidden = !signedIn;
  page.who.hidden = !signedIn;
  page.navAccounts.hidden = !session.isAdmin;
  page.who.textContent = session.isAdmin
    ? `admin${session.accountName ? ` · viewing ${session.accountName}` : ""}`
    : (session.accountName ?? "");
  if (signedIn) {
    showRoute();
  } else {
    current?.close();
    current = undefined;
    for (const screen of new Set(Object.values(screens))) {
      screen.root.hidden = true;
    }
  }
}

function signOut(message = ""): void {
  session.signOut();
  feed.stop();
  showSignedIn(false);
  signIn.showError(message);
}

/** Starts the console for the account in the session: its conferences and its live feed. */
async function start(): Promise<void> {
  showSignedIn(true);
  if (!session.accountId) {
    return;
  }
  try {
    await board.loadConferences();
  } catch (error) {
    board.log(`loading conferences failed: ${messageOf(error)}`);
  }
  if (session.token) {
    feed.start();
  }
}

/** The admin opened an account: the feed follows it from its present, on the live screen. */
function openAccount(): void {
  feed.stop();
  board.reset();
  location.hash = "";
  void start();
}

page.signOut.addEventListener("click", () => signOut());
window.addEventListener("hashchange", showRoute);

// The live board wires its own action buttons; it learns from the editor what was saved.
onConferenceChange(editor.root, (change) => board.afterEdit(change));

setInterval(() => board.tick(), 1000);
if (session.token) {
  void start();
}
