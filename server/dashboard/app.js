// parley's live dashboard: a reference client that uses only the public HTTP API and the /ws
// feed. Sign in with an API key, watch the account's conferences, act on them.

const $ = (selector) => document.querySelector(selector);
const state = {
  token: sessionStorage.getItem("parley.token"),
  accountId: sessionStorage.getItem("parley.account"),
  conferences: new Map(),
  selected: null,
  participants: new Map(),
  lastSeq: Number(sessionStorage.getItem("parley.seq") ?? 0),
  socket: null,
  retry: 250,
};

async function api(method, path, data) {
  const res = await fetch(path, {
    method,
    headers: { "X-Auth-Token": state.token ?? "", "Content-Type": "application/json" },
    body: data === undefined ? undefined : JSON.stringify({ data }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) {
    signOut("Your session expired; sign in again.");
  }
  if (!res.ok) {
    throw new Error(body.data?.message ?? body.message ?? `HTTP ${res.status}`);
  }
  return body.data;
}

function setConnection(text, mode) {
  const el = $("#connection");
  el.textContent = text;
  el.dataset.state = mode;
}

function log(line) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  const list = $("#log");
  list.append(item);
  while (list.children.length > 200) {
    list.firstElementChild.remove();
  }
  list.scrollTop = list.scrollHeight;
}

const duration = (seconds) => {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

function renderConferences() {
  const body = $("#conferences");
  body.replaceChildren(
    ...[...state.conferences.values()].map((c) => {
      const row = document.createElement("tr");
      row.tabIndex = 0;
      row.dataset.id = c.id;
      row.setAttribute("aria-selected", String(c.id === state.selected));
      const seconds = c.duration + (c.running ? (Date.now() - c.fetchedAt) / 1000 : 0);
      for (const text of [
        c.name ?? c.id,
        c.members,
        c.admins,
        duration(seconds),
        c.is_locked ? "locked" : "no",
      ]) {
        const cell = document.createElement("td");
        cell.textContent = String(text);
        row.append(cell);
      }
      row.addEventListener("click", () => select(c.id));
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(c.id);
        }
      });
      return row;
    }),
  );
}

async function loadConferences() {
  const list = await api("GET", `/v2/accounts/${state.accountId}/conferences`);
  state.conferences = new Map(
    list.map((c) => [c.id, { ...c, running: c.members + c.admins > 0, fetchedAt: Date.now() }]),
  );
  renderConferences();
}

function button(label, title, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", title);
  b.addEventListener("click", onClick);
  return b;
}

function renderParticipants() {
  const list = $("#participants");
  list.replaceChildren(
    ...[...state.participants.values()].map((p) => {
      const item = document.createElement("li");
      item.dataset.participant = String(p.participant_id);
      const name = p.caller_id_name || p.caller_id_number || p.call_id;
      const dot = document.createElement("span");
      dot.className = "talking";
      dot.dataset.on = String(Boolean(p.talking));
      dot.setAttribute("role", "img");
      dot.setAttribute("aria-label", p.talking ? `${name} is talking` : `${name} is silent`);
      const label = document.createElement("span");
      label.className = "name";
      label.textContent = name;
      const badges = [];
      if (p.is_moderator) {
        badges.push(["moderator", "moderator"]);
      }
      if (!p.speak) {
        badges.push(["muted", "muted"]);
      }
      if (!p.hear) {
        badges.push(["deaf", "deaf"]);
      }
      const actions = document.createElement("span");
      actions.className = "actions";
      const act = (action) => () => participantAction(p.participant_id, action);
      actions.append(
        p.speak
          ? button("Mute", `Mute ${name}`, act("mute"))
          : button("Unmute", `Unmute ${name}`, act("unmute")),
        p.hear
          ? button("Deafen", `Deafen ${name}`, act("deaf"))
          : button("Undeafen", `Undeafen ${name}`, act("undeaf")),
        button("Kick", `Kick ${name}`, act("kick")),
      );
      item.append(
        dot,
        label,
        ...badges.map(([cls, text]) => {
          const badge = document.createElement("span");
          badge.className = `badge ${cls}`;
          badge.textContent = text;
          return badge;
        }),
        actions,
      );
      return item;
    }),
  );
}

async function select(id) {
  state.selected = id;
  const conference = await api("GET", `/v2/accounts/${state.accountId}/conferences/${id}`);
  $("#detail").hidden = false;
  $("#detail-title").textContent = conference.name ?? id;
  state.participants = new Map(
    conference._read_only.participants.map((p) => [p.participant_id, p]),
  );
  renderParticipants();
  renderConferences();
}

async function participantAction(participantId, action) {
  try {
    await api(
      "PUT",
      `/v2/accounts/${state.accountId}/conferences/${state.selected}/participants/${participantId}`,
      { action },
    );
    log(`${action} sent to participant ${participantId}`);
  } catch (error) {
    log(`${action} failed: ${error.message}`);
  }
}

function applyEvent(frame) {
  const data = frame.data;
  const vars = data.conference_channel_vars ?? {};
  const flag = (name) => (vars[name] !== undefined ? vars[name] : data[name]);
  state.lastSeq = Math.max(state.lastSeq, frame.seq ?? 0);
  sessionStorage.setItem("parley.seq", String(state.lastSeq));
  log(
    `${data.event} ${data.conference_id}${data.call_id ? ` ${data.caller_id_name ?? data.call_id}` : ""}`,
  );
  if (data.conference_id === state.selected) {
    const id = data.participant_id ?? vars.member_id;
    const known = state.participants.get(id);
    if (
      data.event === "add-member" ||
      data.event === "del-member" ||
      (!known && id !== undefined)
    ) {
      void select(state.selected);
    } else if (known) {
      const forced =
        {
          "start-talking": { talking: true },
          "stop-talking": { talking: false },
          "mute-member": { speak: false },
          "unmute-member": { speak: true },
          "deaf-member": { hear: false },
          "undeaf-member": { hear: true },
        }[data.event] ?? {};
      for (const name of ["talking", "speak", "hear"]) {
        if (forced[name] !== undefined) {
          known[name] = forced[name];
        } else if (flag(name) !== undefined) {
          known[name] = flag(name);
        }
      }
      renderParticipants();
    }
  }
  if (
    [
      "add-member",
      "del-member",
      "lock",
      "unlock",
      "conference-create",
      "conference-destroy",
    ].includes(data.event)
  ) {
    clearTimeout(state.listTimer);
    state.listTimer = setTimeout(() => void loadConferences(), 100);
  }
}

function connect() {
  setConnection("connecting", "connecting");
  const socket = new WebSocket(`${location.origin.replace(/^http/, "ws")}/ws`);
  state.socket = socket;
  socket.addEventListener("open", () => {
    socket.send(
      JSON.stringify({
        action: "subscribe",
        auth_token: state.token,
        request_id: "dashboard",
        data: {
          account_id: state.accountId,
          binding: "conference.event.*.*",
          ...(state.lastSeq > 0 ? { resume_from: state.lastSeq } : {}),
        },
      }),
    );
  });
  socket.addEventListener("message", (message) => {
    const frame = JSON.parse(message.data);
    if (frame.action === "reply" && frame.request_id === "dashboard") {
      if (frame.status === "success") {
        state.retry = 250;
        setConnection("live", "live");
      } else {
        log(`subscription refused: ${frame.data.errors.join("; ")}`);
        if (frame.data.errors.some((e) => e.startsWith("failed to authenticate token"))) {
          signOut("Your session expired; sign in again.");
        }
      }
    } else if (frame.action === "event") {
      applyEvent(frame);
    }
  });
  socket.addEventListener("close", () => {
    if (state.socket !== socket || !state.token) {
      return;
    }
    setConnection(`reconnecting in ${Math.round(state.retry / 1000)} s`, "offline");
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 30_000);
  });
}

function signOut(message) {
  sessionStorage.clear();
  state.token = null;
  state.socket?.close();
  state.socket = null;
  $("#board").hidden = true;
  $("#sign-out").hidden = true;
  $("#sign-in").hidden = false;
  $("#sign-in-error").textContent = message ?? "";
  setConnection("offline", "offline");
}

async function start() {
  $("#sign-in").hidden = true;
  $("#board").hidden = false;
  $("#sign-out").hidden = false;
  await loadConferences();
  connect();
}

$("#sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const res = await fetch("/v2/api_auth", {
    method: "PUT",
    body: JSON.stringify({ data: { api_key: $("#api-key").value.trim() } }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    $("#sign-in-error").textContent = "That API key was not accepted.";
    return;
  }
  state.token = body.auth_token;
  state.accountId = body.data.account_id;
  sessionStorage.setItem("parley.token", state.token);
  sessionStorage.setItem("parley.account", state.accountId);
  await start();
});

$("#sign-out").addEventListener("click", () => signOut());
for (const el of document.querySelectorAll("[data-conference-action]")) {
  el.addEventListener("click", async () => {
    const action = el.dataset.conferenceAction;
    try {
      await api("PUT", `/v2/accounts/${state.accountId}/conferences/${state.selected}`, { action });
      log(`${action} sent`);
    } catch (error) {
      log(`${action} failed: ${error.message}`);
    }
  });
}
for (const el of document.querySelectorAll("[data-bulk]")) {
  el.addEventListener("click", async () => {
    const action = el.dataset.bulk;
    try {
      await api(
        "PUT",
        `/v2/accounts/${state.accountId}/conferences/${state.selected}/participants`,
        { action },
      );
      log(`${action} all sent`);
    } catch (error) {
      log(`${action} all failed: ${error.message}`);
    }
  });
}
// Durations tick in place, so keyboard focus stays where it is.
setInterval(() => {
  for (const row of document.querySelectorAll("#conferences tr")) {
    const c = state.conferences.get(row.dataset.id);
    if (c?.running) {
      row.children[3].textContent = duration(c.duration + (Date.now() - c.fetchedAt) / 1000);
    }
  }
}, 1000);
if (state.token) {
  void start();
}
